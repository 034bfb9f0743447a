/* The recorder's hot path in C: the optional "c" core (see ct_jupyter/core/ccore.py).
 *
 * A `Core` holds the Python `Recorder` of one run and does the common work of the
 * sys.monitoring callbacks (LINE, PY_START, PY_RESUME, PY_RETURN, PY_YIELD) and of the settrace
 * local trace function: the frame check, the step, change and frame columns (written in place
 * into the builder's arrays), max_steps, lines that change nothing, rebinding locals to atoms,
 * short str or objects the Snapshotter already tracks, a frame's first line, the re-check after
 * a call, returns of atoms and tracked objects, and the pure stores of a line's static plan
 * (list and dict items, plain instance attributes, list append/extend) when what is stored is an
 * atom or a short str. Everything else -- first captures of objects, containers stored into
 * containers, exceptions, limits, keyframes, releasing objects, re-syncs -- is delegated to the
 * same Python `Recorder` / `Snapshotter` methods the pure-Python core runs, so values are
 * captured in one place. A fast path that meets something it does not handle returns 0 before
 * changing anything, or leaves only changes the Python path then sees as already made.
 *
 * It reads the recorder's per-frame state (`_FrameState`, `LineEffects`, `CodeInfo`: classes
 * with __slots__) through their slot offsets, found at start-up from the member descriptors,
 * and the Snapshotter's per-object lists directly; `Core` refuses to start (and the Python core
 * is used) if a slot or list it needs is missing.
 *
 * One translation unit in five files: _ccore_core.h (the Core object and small helpers),
 * _ccore_columns.h (the builder's columns), _ccore_heap.h (the Snapshotter's tables),
 * _ccore_stores.h (what a line changed: rebinds and plan stores), and this file (the event
 * callbacks, the Core type and the module).
 */
#include "_ccore_stores.h"

/* The LINE event for `frame` at `line`: Recorder.on_line's common cases. */
static PyObject *do_line(Core *self, PyObject *code, PyObject *line_obj, PyFrameObject *frame) {
    int off = is_recording_off(self);
    if (off < 0) return NULL;
    if (off) Py_RETURN_NONE;
    long line = PyLong_AsLong(line_obj);
    if (line == -1 && PyErr_Occurred()) return NULL;
    if (line <= 0) Py_RETURN_NONE;
    Py_ssize_t depth = PyList_GET_SIZE(self->stack);
    PyObject *st = depth ? PyList_GET_ITEM(self->stack, depth - 1) : NULL;
    if (st == NULL || SLOT(st, self->fs.frame) != (PyObject *)frame)
        return PyObject_CallFunctionObjArgs(self->py_on_line, code, line_obj, (PyObject *)frame, NULL);
    {
        PyObject *pend = SLOT(st, self->fs.pending);
        PyObject *cur = SLOT(st, self->fs.line);
        if (pend != NULL && pend != Py_None && cur != NULL) {
            long curl = PyLong_AsLong(cur);
            if (curl == -1 && PyErr_Occurred()) return NULL;
            if (curl == line) Py_RETURN_NONE;
        }
    }
    Py_ssize_t stepn = PyObject_Length(self->step_line);
    if (stepn < 0) return NULL;
    if (stepn >= self->max_steps)
        return PyObject_CallFunctionObjArgs(self->py_on_line, code, line_obj, (PyObject *)frame, NULL);
    PyObject *fid = SLOT(st, self->fs.fid);
    PyObject *prev_obj = SLOT(st, self->fs.line);
    if (fid == NULL || prev_obj == NULL) {
        PyErr_SetString(PyExc_SystemError, "frame state without fid/line");
        return NULL;
    }
    if (col_append(self, C_LINE, line) < 0 || col_append_obj(self, C_FRAME, fid) < 0)
        return NULL;
    long prev = PyLong_AsLong(prev_obj);
    if (prev == -1 && PyErr_Occurred()) return NULL;
    Py_INCREF(st);
    Py_INCREF(prev_obj);
    set_slot(st, self->fs.line, line_obj);
    PyObject *step = PyLong_FromSsize_t(stepn);
    PyObject *result = NULL;
    int settled;
    if (step == NULL) goto done;
    if (prev >= 0) {
        PyObject *effects = SLOT(st, self->fs.effects);
        PyObject *eff = NULL;
        if (effects != NULL && PyDict_CheckExact(effects)) {
            eff = PyDict_GetItemWithError(effects, prev_obj);
            if (eff == NULL && PyErr_Occurred()) goto done;
        }
        PyObject *dirty = SLOT(st, self->fs.dirty);
        PyObject *pending = SLOT(st, self->fs.pending);
        int quiet = dirty == Py_False && (pending == NULL || pending == Py_None)
                    && (stepn & CHECK_EVERY) != CHECK_EVERY && effects != NULL && PyDict_CheckExact(effects);
        if (quiet && eff == NULL) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        if (quiet) {
            /* a line Recorder._line_work would take (not a local-only one): it collects */
            PyObject *lo = SLOT(eff, self->es.local_only);
            if (lo != Py_True && snap_settle(self) < 0) goto done;
            int done_ = apply_simple(self, st, eff, frame, 1, step);
            if (done_ < 0) goto done;
            if (done_) {
                result = Py_NewRef(Py_None);
                goto done;
            }
        }
        else if (dirty == Py_True && (pending == NULL || pending == Py_None)
                 && (stepn & CHECK_EVERY) != CHECK_EVERY && effects != NULL
                 && PyDict_CheckExact(effects) && (settled = snap_settle(self)) != 0) {
            if (settled < 0) goto done;
            /* a call into user code returned here: Recorder._recheck, while every name that
             * changed now holds an atom (the rest is the same object as before) */
            int done_ = eff == NULL ? 1 : apply_simple(self, st, eff, frame, 1, step);
            if (done_ < 0) goto done;
            PyObject *names = SLOT(st, self->fs.names);
            if (done_ && names != NULL && PyTuple_CheckExact(names)) {
                done_ = rebind_atoms(self, st, frame, names, step, 0);
                if (done_ < 0) goto done;
                if (done_) {
                    set_slot(st, self->fs.dirty, Py_False);
                    /* as _line_work: an exception that unwound a callee is not this line's */
                    if (reset_unwound(self) < 0) goto done;
                    result = Py_NewRef(Py_None);
                    goto done;
                }
            }
        }
    }
    else {
        /* a frame's first line: every variable is new; atoms are stored as they are */
        PyObject *names = SLOT(st, self->fs.names);
        PyObject *dirty = SLOT(st, self->fs.dirty);
        PyObject *pending = SLOT(st, self->fs.pending);
        if (names != NULL && PyTuple_CheckExact(names) && dirty == Py_False
                && (pending == NULL || pending == Py_None) && (stepn & CHECK_EVERY) != CHECK_EVERY) {
            Py_ssize_t fidn = PyLong_AsSsize_t(fid);
            if (fidn == -1 && PyErr_Occurred()) goto done;
            if (col_set(self, C_FFIRST, fidn, stepn) < 0) goto done;
            /* Recorder._line_work collects at a first line: the same event, before or after */
            if (snap_settle(self) < 0) goto done;
            int done_ = rebind_atoms(self, st, frame, names, step, 1);
            if (done_ < 0) goto done;
            if (done_) {
                result = Py_NewRef(Py_None);
                goto done;
            }
        }
    }
    result = PyObject_CallFunctionObjArgs(self->py_line_work, st, prev_obj, step, NULL);
done:
    Py_XDECREF(step);
    Py_DECREF(prev_obj);
    Py_DECREF(st);
    return result;
}

/* A failure inside the C core is the recorder's, not the program's: like the Python core,
 * hand it to Recorder.fail (recording stops, the partial trace is kept) and carry on. Only
 * exceptions that are not `Exception`s (KeyboardInterrupt, SystemExit) propagate. */
static PyObject *guard(Core *self, PyObject *result) {
    if (result != NULL || self->rec == NULL) return result;
    if (!PyErr_ExceptionMatches(PyExc_Exception)) return NULL;
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
#else
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (tb != NULL) PyException_SetTraceback(exc, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
#endif
    PyObject *r = PyObject_CallMethod(self->rec, "fail", "O", exc);
    Py_DECREF(exc);
    if (r == NULL) return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* LINE callback: (code, line) */
static PyObject *Core_line(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "line(code, line)");
        return NULL;
    }
    PyFrameObject *frame = PyEval_GetFrame();
    if (frame == NULL) Py_RETURN_NONE;
    return guard(self, do_line(self, args[0], args[1], frame));
}

static PyObject *info_of(Core *self, PyObject *code) {
    PyObject *key = PyLong_FromVoidPtr(code);
    if (key == NULL) return NULL;
    PyObject *info = PyDict_GetItemWithError(self->infos, key);
    Py_DECREF(key);
    if (info == NULL && !PyErr_Occurred()) return Py_None;
    return info;
}

/* Recorder.on_start for a function frame (not a module body): a frame row and a _FrameState. */
static int start_frame(Core *self, PyObject *info, PyFrameObject *frame, PyObject *kind) {
    PyObject *func_id = SLOT(info, self->is.func_id);
    PyObject *effects = SLOT(info, self->is.effects);
    PyObject *names = SLOT(info, self->is.names);
    if (func_id == NULL || effects == NULL || names == NULL) return 0;
    Py_ssize_t depth = PyList_GET_SIZE(self->stack);
    Py_ssize_t fid = PyObject_Length(self->cols[C_FFUNC].arr);
    if (fid < 0) return -1;
    Py_ssize_t stepn = PyObject_Length(self->step_line);
    if (stepn < 0) return -1;
    long long parent = -1;
    if (depth) {
        PyObject *pst = PyList_GET_ITEM(self->stack, depth - 1);
        PyObject *parent_fid = SLOT(pst, self->fs.fid);
        if (parent_fid == NULL) return 0;
        parent = PyLong_AsLongLong(parent_fid);
        if (parent == -1 && PyErr_Occurred()) return -1;
        set_slot(pst, self->fs.dirty, Py_True);
    }
    /* Builder.open_frame */
    if (col_append_obj(self, C_FFUNC, func_id) < 0 || col_append(self, C_FPARENT, parent) < 0
            || col_append(self, C_FDEPTH, depth) < 0 || col_append(self, C_FCALL, stepn - 1) < 0
            || PyList_Append(self->frame_kind, kind) < 0
            || col_append(self, C_FPYID, (long long)(uintptr_t)frame) < 0
            || col_append(self, C_FFIRST, -1) < 0 || col_append(self, C_FEND, -1) < 0
            || PyList_Append(self->frame_end_kind, Py_None) < 0
            || PyList_Append(self->frame_result, Py_None) < 0)
        return -1;
    int err;
    PyTypeObject *tp = (PyTypeObject *)self->fs_cls;
    PyObject *st = tp->tp_alloc(tp, 0);
    if (st == NULL) return -1;
    PyObject *objs = PyDict_New();
    PyObject *fid_obj = PyLong_FromSsize_t(fid);
    PyObject *minus1 = Py_NewRef(self->minus1);
    if (objs == NULL || fid_obj == NULL) {
        Py_XDECREF(objs); Py_XDECREF(fid_obj); Py_DECREF(minus1); Py_DECREF(st);
        return -1;
    }
    SLOT(st, self->fs.fid) = fid_obj;
    SLOT(st, self->fs.info) = Py_NewRef(info);
    SLOT(st, self->fs.effects) = Py_NewRef(effects);
    SLOT(st, self->fs.frame) = Py_NewRef((PyObject *)frame);
    SLOT(st, self->fs.line) = minus1;
    SLOT(st, self->fs.objs) = objs;
    SLOT(st, self->fs.pending) = Py_NewRef(Py_None);
    SLOT(st, self->fs.dirty) = Py_NewRef(Py_False);
    SLOT(st, self->fs.globals_owner) = Py_NewRef(Py_False);
    SLOT(st, self->fs.resume_line) = Py_NewRef(minus1);
    SLOT(st, self->fs.names) = Py_NewRef(names);
    SLOT(st, self->fs.has_refs) = Py_NewRef(Py_False);
    SLOT(st, self->fs.ldict) = Py_NewRef(Py_None);
    SLOT(st, self->fs.plain) = Py_NewRef(Py_False);
    SLOT(st, self->fs.catching) = Py_NewRef(Py_None);
    SLOT(st, self->fs.last) = Py_NewRef(Py_None);
    err = PyList_Append(self->stack, st);
    Py_DECREF(st);
    if (err < 0) return -1;
    return reset_unwound(self) < 0 ? -1 : 1;
}

/* Recorder.on_start(info, frame, kind) for the running frame of user code `info`: a function
 * frame below a recorded one is made here; a root or module frame (it may continue the last
 * one: Recorder.continue_frame) goes to Python. */
static PyObject *open_user_frame(Core *self, PyObject *info, PyObject *kind) {
    PyFrameObject *frame = PyEval_GetFrame();
    if (frame == NULL) Py_RETURN_NONE;
    int off = is_recording_off(self);
    if (off < 0) return NULL;
    if (off) Py_RETURN_NONE;
    if (self->fs_cls != NULL && SLOT(info, self->is.is_module) == Py_False
            && PyList_GET_SIZE(self->stack) > 0) {
        int done = start_frame(self, info, frame, kind);
        if (done < 0) return NULL;
        if (done) Py_RETURN_NONE;
    }
    PyObject *r = PyObject_CallFunctionObjArgs(self->py_on_start, info, (PyObject *)frame, kind,
                                               NULL);
    if (r == NULL) return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* PY_START callback: (code, offset). Known, enabled user code of the recording thread goes
 * straight to Recorder.on_start; anything else to the backend's own callback. */
static PyObject *do_start(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "start(code, offset)");
        return NULL;
    }
    PyObject *info = info_of(self, args[0]);
    if (info == NULL) return NULL;
    if (info == Py_None || SLOT(info, self->is.is_user) != Py_True
            || SLOT(info, self->is.enabled) != Py_True
            || PyThread_get_thread_ident() != self->owner)
        return PyObject_Vectorcall(self->py_start_slow, args, nargs, NULL);
    return open_user_frame(self, info, self->s_call);
}

static PyObject *Core_start(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    return guard(self, do_start(self, args, nargs));
}

/* PY_RESUME callback: (code, offset). A user generator or coroutine frame of the recording
 * thread resumes: a new frame (kind "resume"), as the backend's own callback would make. */
static PyObject *do_resume(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "resume(code, offset)");
        return NULL;
    }
    PyObject *info = info_of(self, args[0]);
    if (info == NULL) return NULL;
    if (info == Py_None || SLOT(info, self->is.is_user) != Py_True
            || PyThread_get_thread_ident() != self->owner)
        Py_RETURN_NONE;
    return open_user_frame(self, info, self->s_resume);
}

static PyObject *Core_resume(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    return guard(self, do_resume(self, args, nargs));
}

/* PY_RETURN / PY_YIELD: a frame whose last line changes nothing returns an atom or an object
 * already tracked. */

static PyObject *do_return(Core *self, PyObject *kind, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "return(code, offset, value)");
        return NULL;
    }
    PyObject *code = args[0], *value = args[2];
    int off = is_recording_off(self);
    if (off < 0) return NULL;
    if (off || PyThread_get_thread_ident() != self->owner) Py_RETURN_NONE;
    Py_ssize_t depth = PyList_GET_SIZE(self->stack);
    if (depth == 0) Py_RETURN_NONE;
    PyObject *st = PyList_GET_ITEM(self->stack, depth - 1);
    PyObject *info = SLOT(st, self->fs.info);
    if (info == NULL || SLOT(info, self->is.code) != code) Py_RETURN_NONE;
    PyObject *effects = SLOT(st, self->fs.effects);
    PyObject *line = SLOT(st, self->fs.line);
    PyObject *fid = SLOT(st, self->fs.fid);
    int atom = is_atom(self, value);
    if (atom < 0) return NULL;
    PyObject *enc = value;  /* an atom, or the Ref of an object tracked with a snapshot */
    if (!atom) {
        enc = tracked_ref(self, value);
        if (enc == NULL && PyErr_Occurred()) return NULL;
    }
    PyObject *frame = SLOT(st, self->fs.frame);
    PyObject *objs = SLOT(st, self->fs.objs);
    int simple = enc != NULL && depth > 1 && effects != NULL && PyDict_CheckExact(effects)
                 && line != NULL && fid != NULL && SLOT(st, self->fs.globals_owner) == Py_False
                 && frame != NULL && PyFrame_Check(frame) && objs != NULL && PyDict_CheckExact(objs)
                 && SLOT(st, self->fs.catching) == Py_None;
    Py_ssize_t stepn = PyObject_Length(self->step_line);
    if (stepn < 0) return NULL;
    if (simple) {
        PyObject *eff = PyDict_GetItemWithError(effects, line);
        if (eff == NULL && PyErr_Occurred()) return NULL;
        if (eff != NULL) {  /* what the last line changed shows at the next step */
            PyObject *step = PyLong_FromSsize_t(stepn);
            if (step == NULL) return NULL;
            Py_INCREF(st);
            simple = apply_simple(self, st, eff, (PyFrameObject *)frame, 0, step);
            Py_DECREF(st);
            Py_DECREF(step);
            if (simple < 0) return NULL;
        }
    }
    /* Recorder._drop_refs: nothing to do while every Ref the frame held is weakly tracked */
    if (simple && SLOT(st, self->fs.has_refs) != Py_False) simple = refs_all_weak(self, objs);
    if (!simple) {
        PyObject *callargs[5] = {NULL, kind, code, args[1], value};
        return PyObject_Vectorcall(self->py_on_return, callargs + 1,
                                   4 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    }
    /* Builder.end_frame(fid, kind, enc, step - 1) */
    Py_ssize_t fidn = PyLong_AsSsize_t(fid);
    if (fidn == -1 && PyErr_Occurred()) return NULL;
    Py_INCREF(st);
    set_slot(st, self->fs.has_refs, Py_False);
    int err = col_set(self, C_FEND, fidn, stepn - 1);
    if (err == 0) err = list_set(self->frame_end_kind, fidn, kind);
    if (err == 0) err = list_set(self->frame_result, fidn, enc);
    if (err == 0) err = PyList_SetSlice(self->stack, depth - 1, depth, NULL);
    if (err == 0) {
        set_slot(st, self->fs.frame, Py_None);
        set_slot(st, self->fs.ldict, Py_None);
        if (depth > 1) set_slot(PyList_GET_ITEM(self->stack, depth - 2), self->fs.dirty, Py_True);
    }
    Py_DECREF(st);
    if (err < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Core_ret(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    return guard(self, do_return(self, self->s_return, args, nargs));
}

static PyObject *Core_yld(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    return guard(self, do_return(self, self->s_yield, args, nargs));
}

/* settrace local trace function: (frame, event, arg). Lines run here; other events go to the
 * backend's Python local function, whose own local function is swapped for this one. */
static PyObject *Core_trace(Core *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "trace(frame, event, arg)");
        return NULL;
    }
    PyObject *frame = args[0], *event = args[1];
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "trace: not a frame");
        return NULL;
    }
    if (event != self->s_line && PyUnicode_Compare(event, self->s_line) != 0)
        return PyObject_Vectorcall(self->py_local, args, nargs, NULL);
    int off = is_recording_off(self);
    if (off < 0) return NULL;
    if (off)  /* counting after a limit, or a nested event: the Python function decides */
        return PyObject_Vectorcall(self->py_local, args, nargs, NULL);
    int lineno = PyFrame_GetLineNumber((PyFrameObject *)frame);
    Py_ssize_t depth = PyList_GET_SIZE(self->stack);
    if (depth) {
        PyObject *st = PyList_GET_ITEM(self->stack, depth - 1);
        if (SLOT(st, self->fs.frame) == frame) {
            long cur = PyLong_AsLong(SLOT(st, self->fs.line));
            if (cur == -1 && PyErr_Occurred()) return NULL;
            long resume = -1;
            if (cur < 0) {
                resume = PyLong_AsLong(SLOT(st, self->fs.resume_line));
                if (resume == -1 && PyErr_Occurred()) return NULL;
            }
            if (cur == lineno || (cur < 0 && resume == lineno)) return Py_NewRef(self->tracer);
        }
    }
    PyObject *line_obj = PyLong_FromLong(lineno);
    if (line_obj == NULL) return NULL;
    PyObject *code = (PyObject *)PyFrame_GetCode((PyFrameObject *)frame);
    PyObject *r = guard(self, do_line(self, code, line_obj, (PyFrameObject *)frame));
    Py_DECREF(code);
    Py_DECREF(line_obj);
    if (r == NULL) return NULL;
    Py_DECREF(r);
    return Py_NewRef(self->tracer);
}

static PyObject *Core_set_tracer(Core *self, PyObject *tracer) {
    Py_XSETREF(self->tracer, Py_NewRef(tracer));
    Py_RETURN_NONE;
}

static int Core_traverse(Core *self, visitproc visit, void *arg) {
    Py_VISIT(self->rec); Py_VISIT(self->rec_dict); Py_VISIT(self->stack);
    Py_VISIT(self->step_line); Py_VISIT(self->ch_name);
    for (int i = 0; i < NCOLS; i++) {
        Py_VISIT(self->cols[i].arr);
        Py_VISIT(self->cols[i].append);
    }
    Py_VISIT(self->frame_kind); Py_VISIT(self->frame_end_kind); Py_VISIT(self->frame_result);
    Py_VISIT(self->snap_objs); Py_VISIT(self->snap_weak); Py_VISIT(self->snap_suspects);
    Py_VISIT(self->snap_dead); Py_VISIT(self->snap_retry); Py_VISIT(self->ref_type);
    Py_VISIT(self->snap_ids); Py_VISIT(self->snap_raw); Py_VISIT(self->snap_refs);
    Py_VISIT(self->snap_lens); Py_VISIT(self->snap_cur); Py_VISIT(self->snap_since);
    Py_VISIT(self->snap_dict); Py_VISIT(self->heap_kinds); Py_VISIT(self->heap_vsteps);
    Py_VISIT(self->heap_vsnaps); Py_VISIT(self->desc_cache); Py_VISIT(self->py_plain_desc);
    Py_VISIT(self->pure_builtins); Py_VISIT(self->builtins); Py_VISIT(self->pure_methods);
    Py_VISIT(self->append_methods); Py_VISIT(self->plan_type); Py_VISIT(self->snap_kpos); Py_VISIT(self->snap_addr);
    Py_VISIT(self->snap_kids); Py_VISIT(self->snap_kinds); Py_VISIT(self->snap_wr_oid);
    Py_VISIT(self->snap_died); Py_VISIT(self->heap_type_names);
    Py_VISIT(self->snap_held);
    Py_VISIT(self->ch_val);
    Py_VISIT(self->atoms); Py_VISIT(self->unbound); Py_VISIT(self->py_on_line);
    Py_VISIT(self->py_line_work); Py_VISIT(self->py_on_return); Py_VISIT(self->py_on_start);
    Py_VISIT(self->py_start_slow); Py_VISIT(self->py_local); Py_VISIT(self->infos);
    Py_VISIT(self->tracer); Py_VISIT(self->fs_cls); Py_VISIT(self->skip_check);
    return 0;
}

static int Core_clear(Core *self) {
    Py_CLEAR(self->rec); Py_CLEAR(self->rec_dict); Py_CLEAR(self->stack);
    Py_CLEAR(self->step_line); Py_CLEAR(self->ch_name);
    for (int i = 0; i < NCOLS; i++) {
        Py_CLEAR(self->cols[i].arr);
        Py_CLEAR(self->cols[i].append);
        self->cols[i].fast = 0;
    }
    Py_CLEAR(self->frame_kind); Py_CLEAR(self->frame_end_kind); Py_CLEAR(self->frame_result);
    Py_CLEAR(self->snap_objs); Py_CLEAR(self->snap_weak); Py_CLEAR(self->snap_suspects);
    Py_CLEAR(self->snap_dead); Py_CLEAR(self->snap_retry); Py_CLEAR(self->ref_type);
    Py_CLEAR(self->snap_ids); Py_CLEAR(self->snap_raw); Py_CLEAR(self->snap_refs);
    Py_CLEAR(self->snap_lens); Py_CLEAR(self->snap_cur); Py_CLEAR(self->snap_since);
    Py_CLEAR(self->snap_dict); Py_CLEAR(self->heap_kinds); Py_CLEAR(self->heap_vsteps);
    Py_CLEAR(self->heap_vsnaps); Py_CLEAR(self->desc_cache); Py_CLEAR(self->py_plain_desc);
    Py_CLEAR(self->pure_builtins); Py_CLEAR(self->builtins); Py_CLEAR(self->pure_methods);
    Py_CLEAR(self->append_methods); Py_CLEAR(self->plan_type); Py_CLEAR(self->snap_kpos); Py_CLEAR(self->snap_addr);
    Py_CLEAR(self->snap_kids); Py_CLEAR(self->snap_kinds); Py_CLEAR(self->snap_wr_oid);
    Py_CLEAR(self->snap_died); Py_CLEAR(self->heap_type_names);
    Py_CLEAR(self->snap_held);
    self->array_type = NULL;
    Py_CLEAR(self->ch_val);
    Py_CLEAR(self->atoms); Py_CLEAR(self->unbound); Py_CLEAR(self->py_on_line);
    Py_CLEAR(self->py_line_work); Py_CLEAR(self->py_on_return); Py_CLEAR(self->py_on_start);
    Py_CLEAR(self->py_start_slow); Py_CLEAR(self->py_local); Py_CLEAR(self->infos);
    Py_CLEAR(self->tracer); Py_CLEAR(self->fs_cls); Py_CLEAR(self->skip_check);
    return 0;
}

static PyObject *Core_release(Core *self, PyObject *unused) {
    Core_clear(self);
    Py_RETURN_NONE;
}

static void Core_dealloc(Core *self) {
    PyObject_GC_UnTrack(self);
    Core_clear(self);
    Py_XDECREF(self->s_return); Py_XDECREF(self->s_yield); Py_XDECREF(self->s_call);
    Py_XDECREF(self->s_resume);
    Py_XDECREF(self->s_line); Py_XDECREF(self->minus1); Py_XDECREF(self->str_unwound);
    Py_XDECREF(self->str_bytes); Py_XDECREF(self->str_mem_mark); Py_XDECREF(self->str_list);
    Py_XDECREF(self->str_item); Py_XDECREF(self->str_name); Py_XDECREF(self->str_add);
    Py_XDECREF(self->str_const); Py_XDECREF(self->str_attr); Py_XDECREF(self->str_mod); Py_XDECREF(self->str_object);
    Py_XDECREF(self->str_new); Py_XDECREF(self->str_init); Py_XDECREF(self->str_module);
    Py_XDECREF(self->str_builtins); Py_XDECREF(self->str_dict); Py_XDECREF(self->str_append);
    Py_XDECREF(self->str_name_attr);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

#define GET(target, obj, name) \
    do { if (((target) = PyObject_GetAttrString((obj), (name))) == NULL) goto fail; } while (0)

/* Core(recorder, backend_start, py_local, frame_state_cls, effects_cls, info_cls, atoms, unbound,
 *      skip_check, ref_cls) */
static int Core_init(Core *self, PyObject *args, PyObject *kwds) {
    PyObject *rec, *start_slow, *py_local, *fs_cls, *eff_cls, *info_cls, *atoms, *unbound, *skip;
    PyObject *ref_cls;
    PyObject *builder = NULL, *tmp = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOO", &rec, &start_slow, &py_local, &fs_cls, &eff_cls,
                          &info_cls, &atoms, &unbound, &skip, &ref_cls))
        return -1;
    Core_clear(self);
    if (!PyType_Check(ref_cls) || slot_offset(ref_cls, "oid", &self->ref_oid) < 0) return -1;
    if (slot_offset(fs_cls, "fid", &self->fs.fid) < 0 || slot_offset(fs_cls, "info", &self->fs.info) < 0
        || slot_offset(fs_cls, "effects", &self->fs.effects) < 0
        || slot_offset(fs_cls, "frame", &self->fs.frame) < 0
        || slot_offset(fs_cls, "line", &self->fs.line) < 0
        || slot_offset(fs_cls, "objs", &self->fs.objs) < 0
        || slot_offset(fs_cls, "pending", &self->fs.pending) < 0
        || slot_offset(fs_cls, "dirty", &self->fs.dirty) < 0
        || slot_offset(fs_cls, "globals_owner", &self->fs.globals_owner) < 0
        || slot_offset(fs_cls, "resume_line", &self->fs.resume_line) < 0
        || slot_offset(fs_cls, "names", &self->fs.names) < 0
        || slot_offset(fs_cls, "has_refs", &self->fs.has_refs) < 0
        || slot_offset(fs_cls, "ldict", &self->fs.ldict) < 0
        || slot_offset(fs_cls, "plain", &self->fs.plain) < 0
        || slot_offset(fs_cls, "catching", &self->fs.catching) < 0
        || slot_offset(fs_cls, "last", &self->fs.last) < 0
        || slot_offset(eff_cls, "rebinds", &self->es.rebinds) < 0
        || slot_offset(eff_cls, "local_only", &self->es.local_only) < 0
        || slot_offset(eff_cls, "grebinds", &self->es.grebinds) < 0
        || slot_offset(eff_cls, "cands", &self->es.cands) < 0
        || slot_offset(eff_cls, "gcands", &self->es.gcands) < 0
        || slot_offset(eff_cls, "plan", &self->es.plan) < 0
        || slot_offset(info_cls, "code", &self->is.code) < 0
        || slot_offset(info_cls, "is_user", &self->is.is_user) < 0
        || slot_offset(info_cls, "enabled", &self->is.enabled) < 0
        || slot_offset(info_cls, "is_module", &self->is.is_module) < 0
        || slot_offset(info_cls, "func_id", &self->is.func_id) < 0
        || slot_offset(info_cls, "effects", &self->is.effects) < 0
        || slot_offset(info_cls, "names", &self->is.names) < 0)
        return -1;
    self->rec = Py_NewRef(rec);
    self->ref_type = (PyTypeObject *)Py_NewRef(ref_cls);
    GET(tmp, rec, "snap");
    GET(self->snap_objs, tmp, "objs");
    GET(self->snap_weak, tmp, "weak");
    GET(self->snap_suspects, tmp, "suspects");
    GET(self->snap_dead, tmp, "_dead");
    GET(self->snap_retry, tmp, "_retry");
    GET(self->snap_ids, tmp, "ids");
    GET(self->snap_raw, tmp, "raw");
    GET(self->snap_refs, tmp, "refs");
    GET(self->snap_lens, tmp, "lens");
    GET(self->snap_cur, tmp, "cur");
    GET(self->snap_since, tmp, "since_full");
    GET(self->snap_kpos, tmp, "kpos");
    GET(self->snap_addr, tmp, "addr");
    GET(self->snap_held, tmp, "held");
    if (!PySet_CheckExact(self->snap_held)) {
        PyErr_SetString(PyExc_TypeError, "Snapshotter.held must be a set");
        goto fail;
    }
    GET(self->snap_kids, tmp, "kids");
    GET(self->snap_kinds, tmp, "_kinds");
    GET(self->snap_wr_oid, tmp, "_wr_oid");
    GET(self->snap_died, tmp, "_died");
    {
        PyObject *md = NULL;
        GET(md, tmp, "max_depth");
        self->max_depth = PyLong_AsSsize_t(md);
        Py_DECREF(md);
        if (self->max_depth == -1 && PyErr_Occurred()) goto fail;
    }
    if (!PyList_CheckExact(self->snap_addr) || !PyList_CheckExact(self->snap_kids)
            || !PyDict_CheckExact(self->snap_kinds) || !PyDict_CheckExact(self->snap_wr_oid)) {
        PyErr_SetString(PyExc_TypeError, "unexpected Snapshotter tables");
        goto fail;
    }
    if (!PyList_CheckExact(self->snap_kpos)) {
        PyErr_SetString(PyExc_TypeError, "Snapshotter.kpos must be a list");
        goto fail;
    }
    GET(self->snap_dict, tmp, "__dict__");
    {
        PyObject *heap = NULL, *mi = NULL;
        GET(heap, tmp, "heap");
        self->heap_kinds = PyObject_GetAttrString(heap, "kinds");
        self->heap_vsteps = PyObject_GetAttrString(heap, "vsteps");
        self->heap_vsnaps = PyObject_GetAttrString(heap, "vsnaps");
        self->heap_type_names = PyObject_GetAttrString(heap, "type_names");
        Py_DECREF(heap);
        if (!self->heap_kinds || !self->heap_vsteps || !self->heap_vsnaps || !self->heap_type_names)
            goto fail;
        if (!PyList_CheckExact(self->heap_type_names)) {
            PyErr_SetString(PyExc_TypeError, "Heap.type_names must be a list");
            goto fail;
        }
        GET(mi, tmp, "max_items");
        self->max_items = PyLong_AsSsize_t(mi);
        Py_DECREF(mi);
        if (self->max_items == -1 && PyErr_Occurred()) goto fail;
        GET(mi, tmp, "max_str");
        self->max_str = PyLong_AsSsize_t(mi);
        Py_DECREF(mi);
        if (self->max_str == -1 && PyErr_Occurred()) goto fail;
        GET(mi, tmp, "repr_user");
        self->repr_user = PyObject_IsTrue(mi);
        Py_DECREF(mi);
        if (self->repr_user < 0) goto fail;
    }
    Py_CLEAR(tmp);
    {
        PyObject *mod = PyImport_ImportModule("ct_jupyter.model.heap");
        if (mod == NULL) goto fail;
        tmp = PyObject_GetAttrString(mod, "KEYFRAME");
        Py_DECREF(mod);
        if (tmp == NULL) goto fail;
        self->keyframe = PyLong_AsSsize_t(tmp);
        Py_CLEAR(tmp);
        if (self->keyframe == -1 && PyErr_Occurred()) goto fail;
        mod = PyImport_ImportModule("ct_jupyter.core.object_view");
        if (mod == NULL) goto fail;
        self->py_plain_desc = PyObject_GetAttrString(mod, "plain_dict_descriptor");
        Py_DECREF(mod);
        mod = PyImport_ImportModule("ct_jupyter.core.purity");
        if (mod == NULL) goto fail;
        self->pure_builtins = PyObject_GetAttrString(mod, "PURE_BUILTIN_OBJECTS");
        self->pure_methods = PyObject_GetAttrString(mod, "PURE_METHODS");
        self->plan_type = PyObject_GetAttrString(mod, "LinePlan");
        self->append_methods = PyObject_GetAttrString(mod, "APPEND_METHODS");
        Py_DECREF(mod);
        mod = PyImport_ImportModule("builtins");
        if (mod == NULL) goto fail;
        self->builtins = PyObject_GetAttrString(mod, "__dict__");
        Py_DECREF(mod);
        self->desc_cache = PyDict_New();
        if (!self->py_plain_desc || !self->pure_builtins || !self->builtins || !self->desc_cache
                || !self->pure_methods || !self->append_methods || !self->plan_type)
            goto fail;
        if (!PyType_Check(self->plan_type)
                || slot_offset(self->plan_type, "calls", &self->ps.calls) < 0
                || slot_offset(self->plan_type, "targets", &self->ps.targets) < 0)
            goto fail;
        if (!PyDict_CheckExact(self->pure_builtins) || !PyDict_CheckExact(self->builtins)
                || !PyDict_CheckExact(self->pure_methods) || !PyDict_CheckExact(self->append_methods)) {
            PyErr_SetString(PyExc_TypeError, "unexpected builtins tables");
            goto fail;
        }
    }
    if (!PyList_CheckExact(self->snap_lens) || !PyList_CheckExact(self->snap_cur)
            || !PyList_CheckExact(self->snap_since) || !PyDict_CheckExact(self->snap_dict)
            || !PyList_CheckExact(self->heap_kinds) || !PyList_CheckExact(self->heap_vsteps)
            || !PyList_CheckExact(self->heap_vsnaps)) {
        PyErr_SetString(PyExc_TypeError, "unexpected Snapshotter/Heap column types");
        goto fail;
    }
    if (!PyDict_CheckExact(self->snap_ids) || !PyList_CheckExact(self->snap_raw)
            || !PyList_CheckExact(self->snap_refs) || !PyList_CheckExact(self->snap_objs) || !PyList_CheckExact(self->snap_weak)
            || !PyList_CheckExact(self->snap_suspects) || !PyList_CheckExact(self->snap_dead)
            || !PyList_CheckExact(self->snap_retry)) {
        PyErr_SetString(PyExc_TypeError, "unexpected Snapshotter list types");
        goto fail;
    }
    GET(self->rec_dict, rec, "__dict__");
    if (!PyDict_Check(self->rec_dict)) {
        PyErr_SetString(PyExc_TypeError, "recorder without a __dict__");
        goto fail;
    }
    GET(self->stack, rec, "stack");
    if (!PyList_CheckExact(self->stack)) {
        PyErr_SetString(PyExc_TypeError, "recorder.stack must be a list");
        goto fail;
    }
    GET(self->infos, rec, "infos");
    if (!PyDict_CheckExact(self->infos)) {
        PyErr_SetString(PyExc_TypeError, "recorder.infos must be a dict");
        goto fail;
    }
    GET(builder, rec, "builder");
    {
        /* the int columns: written in place when they are exact arrays of 8-byte items laid
         * out as ArrayLayout describes (checked on a scratch array of the same type) */
        PyTypeObject *at = NULL;
        int layout = 0;
        for (int i = 0; i < NCOLS; i++) {
            GET(self->cols[i].arr, builder, col_names[i]);
            GET(self->cols[i].append, self->cols[i].arr, "append");
            if (i == 0) {
                at = Py_TYPE(self->cols[0].arr);
                if (strcmp(at->tp_name, "array.array") == 0) {
                    PyObject *probe = PyObject_CallFunction((PyObject *)at, "s(iii)", "l", 1, 2, 3);
                    if (probe == NULL) goto fail;
                    layout = array_layout_ok(probe);
                    PyObject *q = layout ? PyObject_CallFunction((PyObject *)at, "s", "q") : NULL;
                    if (layout && q == NULL) {
                        Py_DECREF(probe);
                        goto fail;
                    }
                    if (layout && sizeof(long long) == 8) {
                        self->array_type = at;
                        self->descr8[0] = ((ArrayLayout *)q)->ob_descr;
                        self->descr8[1] = sizeof(long) == 8 ? ((ArrayLayout *)probe)->ob_descr
                                                            : self->descr8[0];
                    }
                    Py_XDECREF(q);
                    Py_DECREF(probe);
                }
            }
            int fast = layout && Py_TYPE(self->cols[i].arr) == at;
            if (fast) {
                GET(tmp, self->cols[i].arr, "itemsize");
                fast = PyLong_Check(tmp) && PyLong_AsLong(tmp) == 8 && sizeof(long long) == 8;
                Py_CLEAR(tmp);
            }
            self->cols[i].fast = fast;
        }
    }
    self->step_line = Py_NewRef(self->cols[C_LINE].arr);
    GET(self->frame_kind, builder, "frame_kind");
    GET(self->frame_end_kind, builder, "frame_end_kind");
    GET(self->frame_result, builder, "frame_result");
    if (!PyList_CheckExact(self->frame_kind) || !PyList_CheckExact(self->frame_end_kind)
            || !PyList_CheckExact(self->frame_result)) {
        PyErr_SetString(PyExc_TypeError, "builder frame lists must be lists");
        goto fail;
    }
    GET(self->ch_name, builder, "ch_name");
    GET(self->ch_val, builder, "ch_val");
    /* new frames are made here only while _FrameState has exactly the slots filled above;
     * otherwise Recorder.on_start makes them */
    GET(tmp, fs_cls, "__slots__");
    {
        static const char *known[] = {"fid", "info", "effects", "frame", "line", "objs",
            "pending", "dirty", "globals_owner", "resume_line", "names", "has_refs", "ldict",
            "plain", "catching", "last"};
        int same = PyTuple_Check(tmp) && PyTuple_GET_SIZE(tmp) == 16;
        for (int i = 0; same && i < 16; i++) {
            PyObject *item = PyTuple_GET_ITEM(tmp, i);
            same = PyUnicode_Check(item) && PyUnicode_CompareWithASCIIString(item, known[i]) == 0;
        }
        if (same && ((PyTypeObject *)fs_cls)->tp_dictoffset == 0)
            self->fs_cls = Py_NewRef(fs_cls);
    }
    Py_CLEAR(tmp);
    if (!PyList_CheckExact(self->ch_name) || !PyList_CheckExact(self->ch_val)) {
        PyErr_SetString(PyExc_TypeError, "unexpected builder column types");
        goto fail;
    }
    GET(self->py_on_line, rec, "on_line");
    GET(self->py_line_work, rec, "_line_work");
    GET(self->py_on_return, rec, "on_return");
    GET(self->py_on_start, rec, "on_start");
    GET(tmp, rec, "max_steps");
    self->max_steps = PyLong_AsSsize_t(tmp);
    Py_CLEAR(tmp);
    if (self->max_steps == -1 && PyErr_Occurred()) goto fail;
    GET(tmp, rec, "owner");
    self->owner = PyLong_AsUnsignedLong(tmp);
    Py_CLEAR(tmp);
    if (PyErr_Occurred()) goto fail;
    if (!PyFrozenSet_Check(atoms) || !PyFrozenSet_Check(skip)) {
        PyErr_SetString(PyExc_TypeError, "atoms and skip_check must be frozensets");
        goto fail;
    }
    self->skip_check = Py_NewRef(skip);
    self->atoms = Py_NewRef(atoms);
    self->unbound = Py_NewRef(unbound);
    self->py_start_slow = Py_NewRef(start_slow);
    self->py_local = Py_NewRef(py_local);
    self->tracer = Py_NewRef(Py_None);
    Py_DECREF(builder);
    return 0;
fail:
    Py_XDECREF(builder);
    Py_XDECREF(tmp);
    Core_clear(self);
    return -1;
}

static PyObject *Core_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    Core *self = (Core *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->s_return = PyUnicode_InternFromString("return");
    self->s_yield = PyUnicode_InternFromString("yield");
    self->s_call = PyUnicode_InternFromString("call");
    self->s_resume = PyUnicode_InternFromString("resume");
    self->s_line = PyUnicode_InternFromString("line");
    self->minus1 = PyLong_FromLong(-1);
    self->str_unwound = PyUnicode_InternFromString("_unwound");
    self->str_bytes = PyUnicode_InternFromString("bytes");
    self->str_mem_mark = PyUnicode_InternFromString("_mem_mark");
    self->str_list = PyUnicode_InternFromString("list");
    self->str_item = PyUnicode_InternFromString("item");
    self->str_name = PyUnicode_InternFromString("name");
    self->str_add = PyUnicode_InternFromString("add");
    self->str_const = PyUnicode_InternFromString("const");
    self->str_attr = PyUnicode_InternFromString("attr");
    self->str_mod = PyUnicode_InternFromString("mod");
    self->str_object = PyUnicode_InternFromString("object");
    self->str_new = PyUnicode_InternFromString("__new__");
    self->str_init = PyUnicode_InternFromString("__init__");
    self->str_module = PyUnicode_InternFromString("__module__");
    self->str_builtins = PyUnicode_InternFromString("builtins");
    self->str_dict = PyUnicode_InternFromString("dict");
    self->str_append = PyUnicode_InternFromString("append");
    self->str_name_attr = PyUnicode_InternFromString("__name__");
    if (!self->str_bytes || !self->str_mem_mark || !self->str_list || !self->str_item || !self->str_name
            || !self->str_add || !self->str_const || !self->str_attr || !self->str_object
            || !self->str_new || !self->str_init || !self->str_module || !self->str_builtins
            || !self->str_mod
            || !self->str_dict || !self->str_append || !self->str_name_attr) {
        Py_DECREF(self);
        return NULL;
    }
    if (!self->str_unwound || !self->s_resume || !self->s_return || !self->s_yield || !self->s_call || !self->s_line || !self->minus1) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyMethodDef Core_methods[] = {
    {"line", (PyCFunction)(void (*)(void))Core_line, METH_FASTCALL, "LINE callback (code, line)."},
    {"start", (PyCFunction)(void (*)(void))Core_start, METH_FASTCALL, "PY_START callback (code, offset)."},
    {"resume", (PyCFunction)(void (*)(void))Core_resume, METH_FASTCALL, "PY_RESUME callback (code, offset)."},
    {"ret", (PyCFunction)(void (*)(void))Core_ret, METH_FASTCALL, "PY_RETURN callback (code, offset, value)."},
    {"yld", (PyCFunction)(void (*)(void))Core_yld, METH_FASTCALL, "PY_YIELD callback (code, offset, value)."},
    {"trace", (PyCFunction)(void (*)(void))Core_trace, METH_FASTCALL, "settrace local function (frame, event, arg)."},
    {"set_tracer", (PyCFunction)Core_set_tracer, METH_O, "Set what trace() returns as the frame's local function."},
    {"release", (PyCFunction)Core_release, METH_NOARGS, "Drop every reference (end of the run)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ct_jupyter.core._ccore.Core",
    .tp_basicsize = sizeof(Core),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The recorder's hot path for one run (see ct_jupyter/core/ccore.py).",
    .tp_new = Core_new,
    .tp_init = (initproc)Core_init,
    .tp_dealloc = (destructor)Core_dealloc,
    .tp_traverse = (traverseproc)Core_traverse,
    .tp_clear = (inquiry)Core_clear,
    .tp_methods = Core_methods,
};

#if PY_VERSION_HEX >= 0x030C0000
/* get_var(frame, name, default): a fast local's value read without syncing the frame's
 * locals() dict (reading f_locals on 3.12 writes every fast local into it). */
static PyObject *ccore_get_var(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    (void)mod;
    if (nargs != 3 || !PyFrame_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "get_var(frame, name, default)");
        return NULL;
    }
    PyObject *value = PyFrame_GetVar((PyFrameObject *)args[0], args[1]);
    if (value == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_NameError)) return NULL;
        PyErr_Clear();
        return Py_NewRef(args[2]);
    }
    return value;
}
#endif

static PyMethodDef module_methods[] = {
#if PY_VERSION_HEX >= 0x030C0000
    {"get_var", (PyCFunction)(void (*)(void))ccore_get_var, METH_FASTCALL,
     "get_var(frame, name, default): a fast local's value, without syncing locals()"},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_ccore", "The recorder's hot path in C (optional).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__ccore(void) {
    if (PyType_Ready(&CoreType) < 0) return NULL;
    str_off = PyUnicode_InternFromString("off");
    if (str_off == NULL) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL) return NULL;
    Py_INCREF(&CoreType);
    if (PyModule_AddObject(m, "Core", (PyObject *)&CoreType) < 0) {
        Py_DECREF(&CoreType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
