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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <structmember.h>
#include <pythread.h>

/* slot offsets of the recorder's classes */
typedef struct {
    Py_ssize_t fid, info, effects, frame, line, objs, pending, dirty, globals_owner,
        resume_line, names, has_refs, ldict, plain, catching, last;
} FrameStateSlots;

typedef struct {
    Py_ssize_t rebinds, local_only, grebinds, cands, gcands;
} EffectsSlots;

typedef struct {
    Py_ssize_t code, is_user, enabled, is_module, func_id, effects, names;
} InfoSlots;

/* An int column of the builder: an array, its bound append, and whether its items may be
 * written in place (an exact array of 8-byte items, laid out as ArrayLayout says). */
typedef struct {
    PyObject *arr, *append;
    int fast;
} Col;

enum { C_LINE, C_FRAME, C_CHS, C_CHF, C_FFUNC, C_FPARENT, C_FDEPTH, C_FCALL, C_FPYID, C_FFIRST,
       C_FEND, NCOLS };
static const char *col_names[NCOLS] = {"step_line", "step_frame", "ch_step", "ch_frame",
    "frame_func", "frame_parent", "frame_depth", "frame_call_step", "frame_pyid",
    "frame_first_step", "frame_end_step"};

typedef struct {
    PyObject_HEAD
    PyObject *rec;          /* the Recorder */
    PyObject *rec_dict;     /* its __dict__: `off` is read from it at every event */
    PyObject *stack;        /* rec.stack (list of _FrameState) */
    PyObject *step_line;    /* builder.step_line (array) */
    Col cols[NCOLS];         /* the builder's int columns (arrays) the hot path appends to */
    PyObject *frame_kind, *frame_end_kind, *frame_result;  /* the builder's frame lists */
    PyObject *ch_name, *ch_val;            /* lists */
    PyObject *atoms;        /* frozenset of atom types */
    PyObject *unbound;      /* the UNBOUND marker */
    PyObject *py_on_line, *py_line_work, *py_on_return, *py_on_start;
    PyObject *py_start_slow; /* the backend's own PY_START callback (classification etc.) */
    PyObject *py_local;      /* settrace: the backend's Python local trace function */
    PyObject *infos;         /* rec.infos: id(code) -> CodeInfo */
    PyObject *s_return, *s_yield, *s_call, *s_line, *s_resume;
    unsigned long owner;
    Py_ssize_t max_steps;
    FrameStateSlots fs;
    EffectsSlots es;
    InfoSlots is;
    PyObject *tracer;        /* settrace: the object to return as the local trace function */
    PyObject *fs_cls;        /* _FrameState, when its slots are exactly the ones we fill */
    PyObject *minus1;
    PyObject *skip_check;    /* types whose in-place change cannot matter (recorder._SKIP_CHECK) */
    /* the Snapshotter's lists: per oid the object or its weak reference, and which; objects to
     * look at before any frame is re-checked here (suspects, dead weak refs, retries) */
    PyObject *snap_objs, *snap_weak, *snap_suspects, *snap_dead, *snap_retry;
    PyObject *snap_ids, *snap_raw, *snap_refs;  /* id -> oid; per oid its mirror, its Ref */
    PyObject *snap_lens, *snap_cur, *snap_since, *snap_dict;  /* per oid; the Snapshotter's __dict__ */
    PyObject *heap_kinds, *heap_vsteps, *heap_vsnaps;
    Py_ssize_t max_items, keyframe;
    PyObject *str_bytes, *str_mem_mark, *str_plan, *str_calls, *str_targets, *str_list,
        *str_item, *str_name, *str_add, *str_const, *str_attr, *str_object, *str_new, *str_init,
        *str_module, *str_builtins, *str_mod;
    int repr_user;           /* Snapshotter.repr_user: instances get a user label (Python's) */
    Py_ssize_t max_str;
    PyObject *desc_cache;    /* type -> its plain __dict__ descriptor or None */
    PyObject *py_plain_desc; /* object_view.plain_dict_descriptor */
    PyObject *pure_builtins; /* purity.PURE_BUILTIN_OBJECTS */
    PyObject *pure_methods, *append_methods;  /* purity.PURE_METHODS, APPEND_METHODS */
    PyObject *snap_kpos;     /* Snapshotter.kpos: per dict oid, key -> position (or None) */
    PyObject *str_dict, *str_append, *str_strong, *str_name_attr;
    PyObject *snap_addr, *snap_kids, *snap_kinds, *snap_wr_oid, *snap_died, *heap_type_names;
    Py_ssize_t max_depth;
    PyTypeObject *array_type;        /* array.array, when its layout checked out */
    const void *descr8[2];           /* the item descriptions of array('q') and array('l') (8 bytes) */
    PyObject *builtins;      /* the builtins module's dict */
    PyTypeObject *ref_type;  /* model.encoded.Ref */
    Py_ssize_t ref_oid;      /* its `oid` slot */
    PyObject *str_unwound;
} Core;

static PyObject *str_off;

/* recorder.CHECK_EVERY: every this many steps (a mask) the Python core re-checks a frame */
#define CHECK_EVERY 4095

#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static inline void set_slot(PyObject *obj, Py_ssize_t off, PyObject *value) {
    PyObject *old = SLOT(obj, off);
    Py_XINCREF(value);
    SLOT(obj, off) = value;
    Py_XDECREF(old);
}

/* array.array's object layout (Modules/arraymodule.c, the same from 3.8 to 3.13). It is
 * checked at start-up against a real array (see array_layout_ok); when it matches, an append
 * with room left writes the item in place instead of calling array.append, whose argument
 * parsing (PyArg_Parse per item) was a fifth of the recording's time on call-heavy code. */
typedef struct {
    PyObject_VAR_HEAD
    char *ob_item;
    Py_ssize_t allocated;
    const void *ob_descr;
    PyObject *weakreflist;
    Py_ssize_t ob_exports;
} ArrayLayout;

/* 1 when `arr` (an array('l') of three items [1, 2, 3]) is laid out as ArrayLayout says. */
static int array_layout_ok(PyObject *arr) {
    Py_buffer view;
    if (PyObject_GetBuffer(arr, &view, PyBUF_FULL_RO) < 0) {
        PyErr_Clear();
        return 0;
    }
    ArrayLayout *a = (ArrayLayout *)arr;
    int ok = Py_SIZE(arr) == 3 && view.buf == (void *)a->ob_item && view.itemsize == sizeof(long)
             && view.len == 3 * (Py_ssize_t)sizeof(long) && a->allocated >= 3
             && a->allocated < 1024 && a->ob_exports == 1 && view.format != NULL
             && view.format[0] == 'l' && view.format[1] == 0
             && ((long *)a->ob_item)[0] == 1 && ((long *)a->ob_item)[2] == 3;
    PyBuffer_Release(&view);
    return ok && a->ob_exports == 0;
}

/* Append `v` to column `c`. */
static inline int col_append(Core *self, int c, long long v) {
    Col *col = &self->cols[c];
    if (col->fast) {
        ArrayLayout *a = (ArrayLayout *)col->arr;
        Py_ssize_t n = Py_SIZE(a);
        if (n < a->allocated && a->ob_exports == 0) {
            ((long long *)a->ob_item)[n] = v;
            Py_SET_SIZE(a, n + 1);
            return 0;
        }
    }
    PyObject *item = PyLong_FromLongLong(v);
    if (item == NULL) return -1;
    PyObject *r = PyObject_CallOneArg(col->append, item);
    Py_DECREF(item);
    if (r == NULL) return -1;
    Py_DECREF(r);
    return 0;
}

/* col_append of a Python int */
static inline int col_append_obj(Core *self, int c, PyObject *v) {
    long long x = PyLong_AsLongLong(v);
    if (x == -1 && PyErr_Occurred()) return -1;
    return col_append(self, c, x);
}

/* Append `v` to `arr`, an array whose items are 8-byte ints (a heap object's version steps):
 * in place when it is one of the array types checked at start-up, else through its append. */
static int arr_append(Core *self, PyObject *arr, long long v) {
    if (self->array_type != NULL && Py_TYPE(arr) == self->array_type) {
        ArrayLayout *a = (ArrayLayout *)arr;
        Py_ssize_t n = Py_SIZE(a);
        if ((a->ob_descr == self->descr8[0] || a->ob_descr == self->descr8[1])
                && n < a->allocated && a->ob_exports == 0) {
            ((long long *)a->ob_item)[n] = v;
            Py_SET_SIZE(a, n + 1);
            return 0;
        }
    }
    PyObject *item = PyLong_FromLongLong(v);
    if (item == NULL) return -1;
    PyObject *r = PyObject_CallMethodOneArg(arr, self->str_append, item);
    Py_DECREF(item);
    if (r == NULL) return -1;
    Py_DECREF(r);
    return 0;
}

/* Set item `i` of column `c` to `v`. */
static int col_set(Core *self, int c, Py_ssize_t i, long long v) {
    Col *col = &self->cols[c];
    if (col->fast && i >= 0 && i < Py_SIZE(col->arr)) {
        ((long long *)((ArrayLayout *)col->arr)->ob_item)[i] = v;
        return 0;
    }
    PyObject *key = PyLong_FromSsize_t(i);
    PyObject *item = key ? PyLong_FromLongLong(v) : NULL;
    int err = item ? PyObject_SetItem(col->arr, key, item) : -1;
    Py_XDECREF(key);
    Py_XDECREF(item);
    return err;
}

/* Item `i` of list `list` set to `value` (a new reference is taken). */
static int list_set(PyObject *list, Py_ssize_t i, PyObject *value) {
    if (i < 0 || i >= PyList_GET_SIZE(list)) {
        PyErr_SetString(PyExc_IndexError, "frame column index out of range");
        return -1;
    }
    Py_INCREF(value);
    PyList_SetItem(list, i, value);
    return 0;
}

static int slot_offset(PyObject *cls, const char *name, Py_ssize_t *out) {
    PyObject *descr = PyObject_GetAttrString(cls, name);
    if (descr == NULL) return -1;
    if (!PyObject_TypeCheck(descr, &PyMemberDescr_Type)) {
        Py_DECREF(descr);
        PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", ((PyTypeObject *)cls)->tp_name, name);
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX && m->type != T_OBJECT) {
        Py_DECREF(descr);
        PyErr_Format(PyExc_TypeError, "%s.%s is not an object slot", ((PyTypeObject *)cls)->tp_name, name);
        return -1;
    }
    *out = m->offset;
    Py_DECREF(descr);
    return 0;
}

static int is_recording_off(Core *self) {
    PyObject *off = PyDict_GetItemWithError(self->rec_dict, str_off);
    if (off == NULL) return PyErr_Occurred() ? -1 : 0;
    return off == Py_True ? 1 : (off == Py_False ? 0 : PyObject_IsTrue(off));
}

static inline int is_atom(Core *self, PyObject *v) {
    return PySet_Contains(self->atoms, (PyObject *)Py_TYPE(v));
}

/* st.objs.get(name, UNBOUND) as a borrowed reference */
static inline PyObject *objs_get(Core *self, PyObject *objs, PyObject *name) {
    PyObject *old = PyDict_GetItemWithError(objs, name);
    if (old == NULL && !PyErr_Occurred()) old = self->unbound;
    return old;
}

/* The value of local `name` in `frame` (new reference), UNBOUND when it has none.
 * `locals` is the frame's f_locals mapping when already fetched (module frames), else NULL. */
static PyObject *local_value(Core *self, PyFrameObject *frame, PyObject *locals, PyObject *name) {
    PyObject *value;
    if (locals != NULL) {
        value = PyObject_GetItem(locals, name);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError)) return NULL;
            PyErr_Clear();
            return Py_NewRef(self->unbound);
        }
        return value;
    }
#if PY_VERSION_HEX >= 0x030C0000
    value = PyFrame_GetVar(frame, name);
    if (value == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_NameError)) return NULL;
        PyErr_Clear();
        return Py_NewRef(self->unbound);
    }
    return value;
#else
    (void)frame;
    PyErr_SetString(PyExc_SystemError, "locals mapping needed");
    return NULL;
#endif
}

/* Append one change (step, fid, name, value) to the change columns. */
static int add_change(Core *self, PyObject *step, PyObject *fid, PyObject *name, PyObject *value) {
    if (col_append_obj(self, C_CHS, step) < 0 || col_append_obj(self, C_CHF, fid) < 0)
        return -1;
    if (PyList_Append(self->ch_name, name) < 0) return -1;
    return PyList_Append(self->ch_val, value);
}

/* The object a weak reference points to (borrowed; Py_None once it died). */
static inline PyObject *weak_target(PyObject *wr) {
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *obj;
    if (PyWeakref_GetRef(wr, &obj) < 0) {
        PyErr_Clear();
        return NULL;
    }
    if (obj == NULL) return Py_None;
    Py_DECREF(obj);  /* `wr`'s referent is alive while the caller holds `value` to compare */
    return obj;
#else
    return PyWeakref_GET_OBJECT(wr);
#endif
}

/* Snapshotter.same: 1 when the token `tok` (a Ref, a weak reference) stands for `value`. */
static int token_is(Core *self, PyObject *tok, PyObject *value) {
    if (tok == value) return 1;
    if (Py_TYPE(tok) == self->ref_type) {
        PyObject *oid_obj = SLOT(tok, self->ref_oid);
        if (oid_obj == NULL || !PyLong_CheckExact(oid_obj)) return 0;
        Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
        if (oid < 0) {
            PyErr_Clear();
            return 0;
        }
        if (oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_weak))
            return 0;
        PyObject *r = PyList_GET_ITEM(self->snap_objs, oid);
        if (PyList_GET_ITEM(self->snap_weak, oid) == Py_True)
            return PyWeakref_CheckRef(r) && weak_target(r) == value;
        return r == value;
    }
    if (PyWeakref_CheckRefExact(tok)) return weak_target(tok) == value;
    return 0;
}

/* The snapshotter's oid of the Ref `tok` (bounds-checked against its lists), or -1. */
static Py_ssize_t ref_oid(Core *self, PyObject *tok) {
    PyObject *oid_obj = SLOT(tok, self->ref_oid);
    if (oid_obj == NULL || !PyLong_CheckExact(oid_obj)) return -1;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs)
            || oid >= PyList_GET_SIZE(self->snap_weak)) {
        PyErr_Clear();
        return -1;
    }
    return oid;
}

/* 1 when `tok` is the Ref of an object the snapshotter holds strongly (letting go of it is a
 * `suspect`: Python's to handle); 0 for any other token. */
static int ref_held(Core *self, PyObject *tok) {
    if (Py_TYPE(tok) != self->ref_type) return 0;
    Py_ssize_t oid = ref_oid(self, tok);
    if (oid < 0) return 1;  /* not understood: let Python look */
    return PyList_GET_ITEM(self->snap_weak, oid) != Py_True
           && PyList_GET_ITEM(self->snap_objs, oid) != Py_None;
}

/* Snapshotter.encode of an object it already tracks with a snapshot: its Ref (borrowed).
 * NULL (no error set) when `value` is not such an object: Python encodes it. */
static PyObject *tracked_ref(Core *self, PyObject *value) {
    PyObject *key = PyLong_FromVoidPtr(value);
    if (key == NULL) return NULL;
    PyObject *oid_obj = PyDict_GetItemWithError(self->snap_ids, key);
    Py_DECREF(key);
    if (oid_obj == NULL || !PyLong_CheckExact(oid_obj)) return NULL;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_weak)
            || oid >= PyList_GET_SIZE(self->snap_raw) || oid >= PyList_GET_SIZE(self->snap_refs)) {
        PyErr_Clear();
        return NULL;
    }
    if (PyList_GET_ITEM(self->snap_raw, oid) == Py_None) return NULL;  /* not captured yet */
    PyObject *r = PyList_GET_ITEM(self->snap_objs, oid);
    if (PyList_GET_ITEM(self->snap_weak, oid) == Py_True)
        r = PyWeakref_CheckRef(r) ? weak_target(r) : NULL;
    if (r != value) return NULL;
    PyObject *ref = PyList_GET_ITEM(self->snap_refs, oid);
    return Py_TYPE(ref) == self->ref_type ? ref : NULL;
}

/* Recorder._drop_refs without Python: 1 when none of the frame's Ref tokens is an object the
 * snapshotter holds strongly (there is nothing to suspect), 0 otherwise. */
static int refs_all_weak(Core *self, PyObject *objs) {
    Py_ssize_t pos = 0;
    PyObject *key, *tok;
    while (PyDict_Next(objs, &pos, &key, &tok))
        if (ref_held(self, tok)) return 0;
    return 1;
}

/* Recorder._unwound = 0 (the id of the exception that last left a frame: a new frame or
 * line means it is no longer the one arriving). */
static int reset_unwound(Core *self) {
    PyObject *unw = PyDict_GetItemWithError(self->rec_dict, self->str_unwound);
    if (unw == NULL) return PyErr_Occurred() ? -1 : 0;
    if (PyLong_CheckExact(unw) && PyObject_Not(unw) == 1) return 0;
    PyObject *zero = PyLong_FromLong(0);
    if (zero == NULL) return -1;
    int err = PyDict_SetItem(self->rec_dict, self->str_unwound, zero);
    Py_DECREF(zero);
    return err;
}

/* Snapshotter.suspect: note that something the program held `oid` by has let go of it. */
static int snap_suspect(Core *self, Py_ssize_t oid) {
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_weak))
        return 0;
    if (PyList_GET_ITEM(self->snap_weak, oid) == Py_True
            || PyList_GET_ITEM(self->snap_objs, oid) == Py_None)
        return 0;
    PyObject *o = PyLong_FromSsize_t(oid);
    if (o == NULL) return -1;
    int err = PyList_Append(self->snap_suspects, o);
    Py_DECREF(o);
    return err;
}

/* Snapshotter._forget(oid) */
static int snap_forget(Core *self, Py_ssize_t oid) {
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_kids) || oid >= PyList_GET_SIZE(self->snap_addr)
            || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_weak)
            || oid >= PyList_GET_SIZE(self->snap_raw) || oid >= PyList_GET_SIZE(self->snap_cur)
            || oid >= PyList_GET_SIZE(self->snap_kpos)) {
        PyErr_SetString(PyExc_IndexError, "snapshotter oid out of range");
        return -1;
    }
    PyObject *addr = PyList_GET_ITEM(self->snap_addr, oid);
    PyObject *known = PyDict_GetItemWithError(self->snap_ids, addr);
    if (known == NULL && PyErr_Occurred()) return -1;
    if (known != NULL && PyLong_CheckExact(known) && PyLong_AsSsize_t(known) == oid
            && PyDict_DelItem(self->snap_ids, addr) < 0)
        return -1;
    if (PyList_GET_ITEM(self->snap_weak, oid) != Py_True
            && PyList_GET_ITEM(self->snap_objs, oid) != Py_None) {  /* strong -= 1 */
        PyObject *strong = PyDict_GetItemWithError(self->snap_dict, self->str_strong);
        PyObject *one = strong ? PyLong_FromLong(1) : NULL;
        PyObject *less = one ? PyNumber_Subtract(strong, one) : NULL;
        Py_XDECREF(one);
        int err = less == NULL || PyDict_SetItem(self->snap_dict, self->str_strong, less) < 0;
        Py_XDECREF(less);
        if (err) return -1;
    }
    if (list_set(self->snap_objs, oid, Py_None) < 0  /* may free it: its finalizers run here */
            || list_set(self->snap_weak, oid, Py_False) < 0
            || list_set(self->snap_raw, oid, Py_None) < 0
            || list_set(self->snap_cur, oid, Py_None) < 0
            || list_set(self->snap_kpos, oid, Py_None) < 0)
        return -1;
    PyObject *kids = PyList_GET_ITEM(self->snap_kids, oid);
    Py_INCREF(kids);
    int err = 0;
    if (PyTuple_Check(kids))
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kids) && !err; i++) {
            Py_ssize_t kid = PyLong_AsSsize_t(PyTuple_GET_ITEM(kids, i));
            err = (kid == -1 && PyErr_Occurred()) || snap_suspect(self, kid) < 0;
        }
    Py_DECREF(kids);
    if (err) return -1;
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL) return -1;
    err = list_set(self->snap_kids, oid, empty);
    Py_DECREF(empty);
    return err;
}

/* Snapshotter._release_if_unheld(oid, again) */
static int snap_release_if_unheld(Core *self, Py_ssize_t oid, int again) {
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_weak))
        return 0;
    PyObject *obj = PyList_GET_ITEM(self->snap_objs, oid);
    if (obj == Py_None || PyList_GET_ITEM(self->snap_weak, oid) == Py_True) return 0;
    if (Py_REFCNT(obj) <= 1) return snap_forget(self, oid);  /* only our list holds it */
    if (!again) return 0;
    PyObject *o = PyLong_FromSsize_t(oid);
    if (o == NULL) return -1;
    int err = PyList_Append(self->snap_retry, o);
    Py_DECREF(o);
    return err;
}

/* Pop the last item of `list` as a Py_ssize_t (-1 and no error for a non-int). */
static int pop_index(PyObject *list, Py_ssize_t *out) {
    Py_ssize_t last = PyList_GET_SIZE(list) - 1;
    PyObject *item = Py_NewRef(PyList_GET_ITEM(list, last));
    if (PyList_SetSlice(list, last, last + 1, NULL) < 0) {
        Py_DECREF(item);
        return -1;
    }
    *out = PyLong_CheckExact(item) ? PyLong_AsSsize_t(item) : -1;
    Py_DECREF(item);
    if (*out == -1 && PyErr_Occurred()) return -1;
    return 0;
}

/* Recorder.off = value */
static int set_off(Core *self, PyObject *value) {
    return PyDict_SetItem(self->rec_dict, str_off, value);
}

/* Snapshotter.collect: forget objects the program freed and release the ones only we still
 * hold, exactly as the Python method does, with recording switched off meanwhile (a released
 * object's finalizer is the program's code, not the recorded program's steps). 1: done (the
 * snapshotter is idle); -1: error. */
static int snap_settle(Core *self) {
    if (!PyList_GET_SIZE(self->snap_suspects) && !PyList_GET_SIZE(self->snap_dead)
            && !PyList_GET_SIZE(self->snap_retry))
        return 1;
    PyObject *retry = PyList_GetSlice(self->snap_retry, 0, PyList_GET_SIZE(self->snap_retry));
    if (retry == NULL || PyList_SetSlice(self->snap_retry, 0, PyList_GET_SIZE(self->snap_retry), NULL) < 0
            || set_off(self, Py_True) < 0) {
        Py_XDECREF(retry);
        return -1;
    }
    int err = 0;
    while (!err && (PyList_GET_SIZE(self->snap_dead) || PyList_GET_SIZE(self->snap_suspects)
                    || PyList_GET_SIZE(retry))) {
        while (!err && PyList_GET_SIZE(self->snap_dead)) {
            Py_ssize_t last = PyList_GET_SIZE(self->snap_dead) - 1;
            PyObject *key = PyLong_FromVoidPtr(PyList_GET_ITEM(self->snap_dead, last));
            if (key == NULL || PyList_SetSlice(self->snap_dead, last, last + 1, NULL) < 0) {
                Py_XDECREF(key);
                err = 1;
                break;
            }
            PyObject *oid_obj = PyDict_GetItemWithError(self->snap_wr_oid, key);
            if (oid_obj != NULL) {
                Py_ssize_t oid = PyLong_CheckExact(oid_obj) ? PyLong_AsSsize_t(oid_obj) : -1;
                err = PyDict_DelItem(self->snap_wr_oid, key) < 0
                      || (oid >= 0 && snap_forget(self, oid) < 0);
            }
            else err = PyErr_Occurred() != NULL;
            Py_DECREF(key);
        }
        while (!err && PyList_GET_SIZE(self->snap_suspects)) {
            Py_ssize_t oid;
            err = pop_index(self->snap_suspects, &oid) < 0 || snap_release_if_unheld(self, oid, 1) < 0;
        }
        while (!err && PyList_GET_SIZE(retry)) {
            Py_ssize_t oid;
            err = pop_index(retry, &oid) < 0 || snap_release_if_unheld(self, oid, 0) < 0;
        }
    }
    Py_DECREF(retry);
    /* off = not active */
    PyObject *active = PyDict_GetItemString(self->rec_dict, "active");
    int restore = set_off(self, active == Py_False ? Py_True : Py_False);
    if (err || restore < 0) return -1;
    return active == Py_False ? 0 : 1;
}

/* The Snapshotter's byte count and how many more bytes may be stored before Recorder._line_work
 * would check memory (its `_mem_mark`). 1: read; 0: not plain ints (Python decides); -1: error. */
static int mem_budget(Core *self, Py_ssize_t *bytes, Py_ssize_t *budget) {
    PyObject *bytes_obj = PyDict_GetItemWithError(self->snap_dict, self->str_bytes);
    PyObject *mark_obj = bytes_obj ? PyDict_GetItemWithError(self->rec_dict, self->str_mem_mark) : NULL;
    if (mark_obj == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyLong_CheckExact(bytes_obj) || !PyLong_CheckExact(mark_obj)) return 0;
    Py_ssize_t b = PyLong_AsSsize_t(bytes_obj), mark = PyLong_AsSsize_t(mark_obj);
    if ((b == -1 || mark == -1) && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    *bytes = b;
    *budget = mark - b - 1;
    return 1;
}

/* Snapshotter.bytes = `bytes` */
static int set_bytes(Core *self, Py_ssize_t bytes) {
    PyObject *nb = PyLong_FromSsize_t(bytes);
    if (nb == NULL) return -1;
    int err = PyDict_SetItem(self->snap_dict, self->str_bytes, nb);
    Py_DECREF(nb);
    return err;
}

static PyObject *track_new(Core *self, PyObject *value, PyObject *step, Py_ssize_t depth,
                           Py_ssize_t *budget);

/* Rebind `names` (a tuple) from the frame, the way Recorder._rebind does, but only while every
 * changed value is an atom. Returns 1 when done, 0 when a non-atom value needs the Python path
 * (changes made so far stay: the Python path skips them as unchanged), -1 on error.
 * `first`: a frame's first capture (no float special case; modules are never shown there --
 * the caller only uses this for function frames). */
static int rebind_atoms(Core *self, PyObject *st, PyFrameObject *frame, PyObject *names,
                        PyObject *step, int first) {
    PyObject *objs = SLOT(st, self->fs.objs);
    PyObject *fid = SLOT(st, self->fs.fid);
    PyObject *info = SLOT(st, self->fs.info);
    PyObject *locals = NULL;
    if (objs == NULL || fid == NULL || info == NULL || !PyDict_CheckExact(objs)) return 0;
    int is_module = SLOT(info, self->is.is_module) == Py_True;
    if (first && is_module) return 0;  /* module frames: the Python path (modules are hidden) */
#if PY_VERSION_HEX >= 0x030C0000
    /* function frames: PyFrame_GetVar, no locals dict synced; class bodies and modules keep
     * their names in a mapping, which PyFrame_GetVar does not look at */
    PyObject *code = SLOT(info, self->is.code);
    int need_locals = is_module || code == NULL || !PyCode_Check(code)
                      || !(((PyCodeObject *)code)->co_flags & CO_OPTIMIZED);
#else
    int need_locals = 1;
#endif
    if (need_locals) {
        locals = PyFrame_GetLocals(frame);
        if (locals == NULL) return -1;
        if (!PyDict_CheckExact(locals)) {  /* a custom mapping: reading it runs user code */
            Py_DECREF(locals);
            return 0;
        }
    }
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    int result = 1;
    Py_ssize_t bytes = 0, budget = -1, used = 0;  /* str values: their bytes, as encode counts */
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        PyObject *value = local_value(self, frame, locals, name);
        if (value == NULL) { result = -1; break; }
        PyObject *old = objs_get(self, objs, name);
        if (old == NULL) { Py_DECREF(value); result = -1; break; }
        if (value == old) { Py_DECREF(value); continue; }
        if (old != self->unbound && !first) {
            /* the same object as before (tracked, or weakly referenced), or an equal str */
            if (token_is(self, old, value)
                    || (PyUnicode_CheckExact(value) && PyUnicode_CheckExact(old)
                        && PyUnicode_Compare(value, old) == 0)) {
                Py_DECREF(value);
                continue;
            }
            if (PyErr_Occurred()) { Py_DECREF(value); result = -1; break; }
        }
        if (old != self->unbound && ref_held(self, old)) {
            /* replacing an object only we may hold now: Python decides when to let it go */
            Py_DECREF(value);
            result = 0;
            break;
        }
        PyTypeObject *t = Py_TYPE(value);
        int atom = value == self->unbound ? first : is_atom(self, value);
        if (atom < 0) { Py_DECREF(value); result = -1; break; }
        PyObject *enc = value;
        if (!atom && PyUnicode_CheckExact(value) && PyUnicode_GET_LENGTH(value) <= self->max_str) {
            /* a str short enough to be its own enc (Snapshotter.encode counts its bytes) */
            Py_ssize_t cost = 56 + PyUnicode_GET_LENGTH(value);
            if (budget < 0 && used == 0) {
                int ok = mem_budget(self, &bytes, &budget);
                if (ok <= 0) { Py_DECREF(value); result = ok; break; }
            }
            if (budget < cost) { Py_DECREF(value); result = 0; break; }  /* a memory check */
            budget -= cost;
            used += cost;
        }
        else if (!atom) {  /* an object tracked with a snapshot is stored as its Ref */
            enc = value == self->unbound ? NULL : tracked_ref(self, value);
            if (enc == NULL && !PyErr_Occurred() && value != self->unbound
                    && (!is_module || !PyModule_Check(value))) {  /* a new object */
                if (budget < 0 && used == 0) {
                    int ok = mem_budget(self, &bytes, &budget);
                    if (ok <= 0) { Py_DECREF(value); result = ok; break; }
                }
                Py_ssize_t before = budget;
                enc = track_new(self, value, step, 0, &budget);
                used += before - budget;
            }
            if (enc == NULL) { Py_DECREF(value); result = PyErr_Occurred() ? -1 : 0; break; }
        }
        else if (value != self->unbound && t == Py_TYPE(old) && t != &PyFloat_Type) {
            int eq = PyObject_RichCompareBool(value, old, Py_EQ);
            if (eq < 0) { Py_DECREF(value); result = -1; break; }
            if (eq) { Py_DECREF(value); continue; }
        }
        if (PyDict_SetItem(objs, name, enc) < 0 || add_change(self, step, fid, name, enc) < 0) {
            Py_DECREF(value);
            result = -1;
            break;
        }
        if (enc != value) set_slot(st, self->fs.has_refs, Py_True);
        Py_DECREF(value);
    }
    Py_XDECREF(locals);
    if (used && set_bytes(self, bytes + used) < 0) return -1;
    return result;
}

/* True when none of `names` (looked up in `mapping`) holds a value that could change in place. */
static int all_skippable(Core *self, PyObject *names, PyObject *mapping) {
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyDict_GetItemWithError(mapping, PyTuple_GET_ITEM(names, i));
        if (value == NULL) {
            if (PyErr_Occurred()) return -1;
            continue;
        }
        if (value == self->unbound) continue;
        int skip = PySet_Contains(self->skip_check, (PyObject *)Py_TYPE(value));
        if (skip <= 0) return skip;
    }
    return 1;
}

/* True when none of `names` holds (by its token in the frame's `objs`) a tracked object still
 * alive: Recorder._apply re-checks only those (functions, classes and atoms are never tracked;
 * a weak reference token is an untracked object). */
static int no_tracked(Core *self, PyObject *names, PyObject *objs) {
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *tok = PyDict_GetItemWithError(objs, PyTuple_GET_ITEM(names, i));
        if (tok == NULL) {
            if (PyErr_Occurred()) return -1;
            continue;
        }
        if (Py_TYPE(tok) != self->ref_type) continue;
        if (!token_is(self, tok, Py_None)) return 0;  /* alive: it may have changed */
        if (PyErr_Occurred()) return -1;
    }
    return 1;
}

/* The value of `name` as Recorder._run_plan reads it: the frame's variable, else its global
 * (new reference); NULL with no error set when it has neither or reading it needs Python. */
static PyObject *plan_value(Core *self, PyObject *st, PyFrameObject *frame, PyObject *name) {
    PyObject *info = SLOT(st, self->fs.info);
    if (info == NULL) return NULL;
    PyObject *value = NULL;
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *code = SLOT(info, self->is.code);
    int optimized = code != NULL && PyCode_Check(code)
                    && (((PyCodeObject *)code)->co_flags & CO_OPTIMIZED)
                    && SLOT(info, self->is.is_module) != Py_True;
#else
    int optimized = 0;
#endif
    if (optimized) {
#if PY_VERSION_HEX >= 0x030C0000
        value = PyFrame_GetVar(frame, name);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_NameError)) return NULL;
            PyErr_Clear();
        }
#endif
    }
    else {
        PyObject *locals = PyFrame_GetLocals(frame);
        if (locals == NULL) return NULL;
        if (!PyDict_CheckExact(locals)) {  /* a custom mapping: reading it runs user code */
            Py_DECREF(locals);
            return NULL;
        }
        value = Py_XNewRef(PyDict_GetItemWithError(locals, name));
        Py_DECREF(locals);
        if (value == NULL && PyErr_Occurred()) return NULL;
    }
    if (value != NULL) return value;
    PyObject *g = PyFrame_GetGlobals(frame);
    if (g == NULL) return NULL;
    if (PyDict_CheckExact(g)) value = Py_XNewRef(PyDict_GetItemWithError(g, name));
    Py_DECREF(g);
    return value;
}

/* A plan index ("name", n) / ("const", v) / ("add", n, c) as an exact int; 0 when it is not
 * one of those or does not evaluate to an int here (Python's path decides then). */
static int plan_index(Core *self, PyObject *st, PyFrameObject *frame, PyObject *index,
                      Py_ssize_t *out) {
    if (!PyTuple_CheckExact(index) || PyTuple_GET_SIZE(index) < 2) return 0;
    PyObject *kind = PyTuple_GET_ITEM(index, 0);
    PyObject *value;
    if (kind == self->str_const) value = Py_NewRef(PyTuple_GET_ITEM(index, 1));
    else if (kind == self->str_name || kind == self->str_add || kind == self->str_mod) {
        value = plan_value(self, st, frame, PyTuple_GET_ITEM(index, 1));
        if (value == NULL) return PyErr_Occurred() ? -1 : 0;
    }
    else return 0;
    if (!PyLong_CheckExact(value)) {
        Py_DECREF(value);
        return 0;
    }
    Py_ssize_t k = PyLong_AsSsize_t(value);
    Py_DECREF(value);
    if (k == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    if (kind == self->str_mod) {  /* Python's %: the sign of the divisor */
        if (PyTuple_GET_SIZE(index) != 3 || !PyLong_CheckExact(PyTuple_GET_ITEM(index, 2))) return 0;
        Py_ssize_t c = PyLong_AsSsize_t(PyTuple_GET_ITEM(index, 2));
        if ((c == -1 && PyErr_Occurred()) || c == 0) {
            PyErr_Clear();
            return 0;
        }
        Py_ssize_t r = k % c;
        if (r != 0 && ((r < 0) != (c < 0))) r += c;
        k = r;
    }
    if (kind == self->str_add) {
        if (PyTuple_GET_SIZE(index) != 3 || !PyLong_CheckExact(PyTuple_GET_ITEM(index, 2))) return 0;
        Py_ssize_t c = PyLong_AsSsize_t(PyTuple_GET_ITEM(index, 2));
        if (c == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if ((c > 0 && k > PY_SSIZE_T_MAX - c) || (c < 0 && k < PY_SSIZE_T_MIN - c)) return 0;
        k += c;
    }
    *out = k;
    return 1;
}

/* A new list [a, b, c] from three new references (all released on failure). */
static PyObject *delta3(PyObject *a, PyObject *b, PyObject *c) {
    PyObject *list = a && b && c ? PyList_New(3) : NULL;
    if (list == NULL) {
        Py_XDECREF(a);
        Py_XDECREF(b);
        Py_XDECREF(c);
        return NULL;
    }
    PyList_SET_ITEM(list, 0, a);
    PyList_SET_ITEM(list, 1, b);
    PyList_SET_ITEM(list, 2, c);
    return list;
}

/* heap.add_version(oid, step, delta) and Snapshotter.since_full, unless a keyframe is due
 * (then 0: Python's path). Steals nothing. */
static int add_delta(Core *self, Py_ssize_t oid, PyObject *step, PyObject *delta) {
    PyObject *since = PyList_GET_ITEM(self->snap_since, oid);
    PyObject *vsteps = PyList_GET_ITEM(self->heap_vsteps, oid);
    PyObject *vsnaps = PyList_GET_ITEM(self->heap_vsnaps, oid);
    if (!PyLong_CheckExact(since) || vsteps == Py_None || !PyList_CheckExact(vsnaps)) return 0;
    Py_ssize_t count = PyLong_AsSsize_t(since) + 1;
    if (count >= self->keyframe) return 0;
    PyObject *count_obj = PyLong_FromSsize_t(count);
    if (count_obj == NULL) return -1;
    long long stepv = PyLong_AsLongLong(step);
    if ((stepv == -1 && PyErr_Occurred()) || arr_append(self, vsteps, stepv) < 0
            || PyList_Append(vsnaps, delta) < 0) {
        Py_DECREF(count_obj);
        return -1;
    }
    PyList_SetItem(self->snap_since, oid, count_obj);
    return 1;
}

/* 1 when a delta for `oid` could be added now (no keyframe due): checked before any change. */
static int delta_ok(Core *self, Py_ssize_t oid) {
    PyObject *since = PyList_GET_ITEM(self->snap_since, oid);
    return PyLong_CheckExact(since) && PyList_GET_ITEM(self->heap_vsteps, oid) != Py_None
           && PyList_CheckExact(PyList_GET_ITEM(self->heap_vsnaps, oid))
           && PyLong_AsSsize_t(since) + 1 < self->keyframe;
}

static PyObject *store_enc(Core *self, PyObject *value, PyObject *step, Py_ssize_t *cost,
                           Py_ssize_t *budget);
static Py_ssize_t enc_oid(Core *self, PyObject *enc);
static int adopt_kid(Core *self, Py_ssize_t oid, PyObject *enc);

/* Snapshotter.check_item of `container[k]` for an exact list tracked with a snapshot, when the
 * stored item is an atom (or the item is unchanged). 1: done; 0: Python's path must run (nothing
 * was changed here); -1: error. `budget`: the bytes still allowed before a memory check. */
static int list_item_store(Core *self, PyObject *container, Py_ssize_t key, PyObject *step,
                           int inplace, Py_ssize_t *budget) {
    PyObject *idk = PyLong_FromVoidPtr(container);
    if (idk == NULL) return -1;
    PyObject *oid_obj = PyDict_GetItemWithError(self->snap_ids, idk);
    Py_DECREF(idk);
    if (oid_obj == NULL) return PyErr_Occurred() ? -1 : 1;  /* untracked: nothing to check */
    if (!PyLong_CheckExact(oid_obj)) return 0;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_raw)
            || oid >= PyList_GET_SIZE(self->snap_lens) || oid >= PyList_GET_SIZE(self->snap_cur)
            || oid >= PyList_GET_SIZE(self->snap_since) || oid >= PyList_GET_SIZE(self->heap_kinds)
            || oid >= PyList_GET_SIZE(self->heap_vsteps) || oid >= PyList_GET_SIZE(self->heap_vsnaps)
            || oid >= PyList_GET_SIZE(self->snap_weak)) {
        PyErr_Clear();
        return 0;
    }
    PyObject *raw = PyList_GET_ITEM(self->snap_raw, oid);
    if (raw == Py_None) return 1;  /* tracked without a snapshot: Snapshotter._tracked says no */
    if (PyList_GET_ITEM(self->snap_weak, oid) != Py_False
            || PyList_GET_ITEM(self->snap_objs, oid) != container)
        return 1;  /* another object at that address: not the tracked one */
    PyObject *kind = PyList_GET_ITEM(self->heap_kinds, oid);
    if (!PyUnicode_CheckExact(kind) || PyUnicode_Compare(kind, self->str_list) != 0) return 0;
    PyObject *cur = PyList_GET_ITEM(self->snap_cur, oid);
    PyObject *lens = PyList_GET_ITEM(self->snap_lens, oid);
    if (!PyList_CheckExact(raw) || !PyList_CheckExact(cur) || !PyLong_CheckExact(lens)) return 0;
    Py_ssize_t n = PyList_GET_SIZE(container);
    if (n != PyLong_AsSsize_t(lens)) return 0;  /* its length changed: the full check */
    Py_ssize_t k = key < 0 ? key + n : key;
    if (k < 0 || k >= n || k >= self->max_items) return 1;  /* past the shown head */
    if (k >= PyList_GET_SIZE(raw) || k >= PyList_GET_SIZE(cur)) return 0;
    PyObject *item = PyList_GET_ITEM(container, k);
    PyObject *tok = PyList_GET_ITEM(raw, k);
    int atom = is_atom(self, item);
    if (atom < 0) return -1;
    if (tok == item || token_is(self, tok, item)) return (!inplace || atom) ? 1 : 0;
    if (PyErr_Occurred()) return -1;
    if (*budget < 64 || !delta_ok(self, oid)) return 0;  /* a memory check, a keyframe */
    Py_ssize_t cost = 64;
    PyObject *enc = store_enc(self, item, step, &cost, budget);
    if (enc == NULL) return PyErr_Occurred() ? -1 : 0;
    if (*budget < cost) return 0;
    /* Snapshotter._kept: the object the slot held may have been let go */
    if (Py_TYPE(tok) == self->ref_type && snap_suspect(self, enc_oid(self, tok)) < 0) return -1;
    /* the mirrors, then Snapshotter._add_delta(oid, step, [n, k, enc]) */
    PyObject *delta = delta3(PyLong_FromSsize_t(n), PyLong_FromSsize_t(k), Py_NewRef(enc));
    if (delta == NULL) return -1;
    if (list_set(raw, k, enc) < 0 || list_set(cur, k, enc) < 0 || adopt_kid(self, oid, enc) < 0) {
        Py_DECREF(delta);
        return -1;
    }
    int done = add_delta(self, oid, step, delta);
    Py_DECREF(delta);
    if (done != 1) return -1;
    *budget -= cost;
    return 1;
}

static PyObject *info_of(Core *self, PyObject *code);

/* Recorder._is_user_callable without Python: 1 for a function of user code or a plain class
 * of the user's; 0 when it is not, or only Python can tell (code not classified yet): the
 * caller then leaves the line to Python, which decides. */
static int user_callable(Core *self, PyObject *obj, int depth) {
    if (PyFunction_Check(obj) && Py_IS_TYPE(obj, &PyFunction_Type)) {
        PyObject *info = info_of(self, PyFunction_GET_CODE(obj));
        if (info == NULL) {
            PyErr_Clear();
            return 0;
        }
        return info != Py_None && SLOT(info, self->is.is_user) == Py_True;
    }
    if (Py_IS_TYPE(obj, &PyType_Type) && depth == 0) {
        PyTypeObject *t = (PyTypeObject *)obj;
        PyObject *new_ = _PyType_Lookup(t, self->str_new);
        if (new_ == NULL || new_ != _PyType_Lookup(&PyBaseObject_Type, self->str_new)) return 0;
        PyObject *init = _PyType_Lookup(t, self->str_init);
        if (init == NULL) return 0;
        return init == _PyType_Lookup(&PyBaseObject_Type, self->str_init)
               || user_callable(self, init, depth + 1);
    }
    return 0;
}

/* The calls of a plan, checked as Recorder._run_plan checks them: 1 when every call is a pure
 * builtin or a function, class or method of user code; 0 when Python must look. */
#define MAX_GROWN 4

static int plan_calls_ok(Core *self, PyObject *st, PyFrameObject *frame, PyObject *calls,
                         PyObject **grown, int *ngrown) {
    Py_ssize_t n = PyTuple_GET_SIZE(calls);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *call = PyTuple_GET_ITEM(calls, i);  /* PlanCall(name, attr) */
        if (!PyTuple_Check(call) || PyTuple_GET_SIZE(call) != 2) return 0;
        PyObject *name = PyTuple_GET_ITEM(call, 0), *attr = PyTuple_GET_ITEM(call, 1);
        if (!PyUnicode_CheckExact(name) || !PyUnicode_CheckExact(attr)) return 0;
        PyObject *found = plan_value(self, st, frame, name);
        if (found == NULL && PyErr_Occurred()) return -1;
        int ok;
        if (PyUnicode_GET_LENGTH(attr) == 0) {  /* name(...) */
            if (found == NULL) {
                found = Py_XNewRef(PyDict_GetItemWithError(self->builtins, name));
                if (found == NULL) return PyErr_Occurred() ? -1 : 0;
            }
            PyObject *pure = PyDict_GetItemWithError(self->pure_builtins, name);
            if (pure == NULL && PyErr_Occurred()) {
                Py_DECREF(found);
                return -1;
            }
            ok = found == pure || user_callable(self, found, 0);
        }
        else {  /* name.attr(...): a pure or append-only builtin method, or a user class's */
            if (found == NULL) return 0;
            PyTypeObject *t = Py_TYPE(found);
            ok = 0;
            PyObject *allowed = PyDict_GetItemWithError(self->pure_methods, (PyObject *)t);
            PyObject *adds = PyErr_Occurred() ? NULL :
                PyDict_GetItemWithError(self->append_methods, (PyObject *)t);
            if (PyErr_Occurred()) {
                Py_DECREF(found);
                return -1;
            }
            if (allowed != NULL && PyFrozenSet_Check(allowed)
                    && PySet_Contains(allowed, attr) == 1)
                ok = 1;
            else if (adds != NULL && PyFrozenSet_Check(adds) && PySet_Contains(adds, attr) == 1) {
                if (*ngrown >= MAX_GROWN) {
                    Py_DECREF(found);
                    return 0;
                }
                grown[(*ngrown)++] = Py_NewRef(found);  /* checked after the calls */
                ok = 1;
            }
            else if (PyErr_Occurred()) {
                Py_DECREF(found);
                return -1;
            }
            else if (PyType_HasFeature(t, Py_TPFLAGS_HEAPTYPE) && t->tp_dict != NULL) {
                PyObject *mod = PyDict_GetItemWithError(t->tp_dict, self->str_module);
                if (mod == NULL && PyErr_Occurred()) {
                    Py_DECREF(found);
                    return -1;
                }
                if (mod == NULL || !PyUnicode_CheckExact(mod)
                        || PyUnicode_Compare(mod, self->str_builtins) != 0) {
                    PyObject *meth = _PyType_Lookup(t, attr);
                    ok = meth != NULL && user_callable(self, meth, 0);
                }
            }
        }
        Py_DECREF(found);
        if (!ok) return 0;
    }
    return 1;
}

/* Snapshotter.check_attr of `obj.name` for a plain instance tracked with a snapshot, when the
 * stored value is an atom or a short str (or unchanged). 1: done; 0: Python's path must run
 * (nothing was changed here); -1: error. */
static int attr_store(Core *self, PyObject *obj, PyObject *name, PyObject *step, int inplace,
                      Py_ssize_t *budget) {
    if (!PyUnicode_CheckExact(name)) return 0;
    PyObject *idk = PyLong_FromVoidPtr(obj);
    if (idk == NULL) return -1;
    PyObject *oid_obj = PyDict_GetItemWithError(self->snap_ids, idk);
    Py_DECREF(idk);
    if (oid_obj == NULL) return PyErr_Occurred() ? -1 : 1;  /* untracked: nothing to check */
    if (!PyLong_CheckExact(oid_obj)) return 0;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_raw)
            || oid >= PyList_GET_SIZE(self->snap_lens) || oid >= PyList_GET_SIZE(self->snap_cur)
            || oid >= PyList_GET_SIZE(self->snap_since) || oid >= PyList_GET_SIZE(self->heap_kinds)
            || oid >= PyList_GET_SIZE(self->heap_vsteps) || oid >= PyList_GET_SIZE(self->heap_vsnaps)
            || oid >= PyList_GET_SIZE(self->snap_weak)) {
        PyErr_Clear();
        return 0;
    }
    PyObject *raw = PyList_GET_ITEM(self->snap_raw, oid);
    if (raw == Py_None) return 1;
    PyObject *r = PyList_GET_ITEM(self->snap_objs, oid);
    if (PyList_GET_ITEM(self->snap_weak, oid) == Py_True)
        r = PyWeakref_CheckRef(r) ? weak_target(r) : NULL;
    if (r != obj) return 1;  /* another object at that address: not the tracked one */
    PyObject *kind = PyList_GET_ITEM(self->heap_kinds, oid);
    if (self->repr_user || !PyUnicode_CheckExact(kind)
            || PyUnicode_Compare(kind, self->str_object) != 0)
        return 0;
    PyTypeObject *t = Py_TYPE(obj);
    PyObject *desc = PyDict_GetItemWithError(self->desc_cache, (PyObject *)t);
    if (desc == NULL) {
        if (PyErr_Occurred()) return -1;
        desc = PyObject_CallOneArg(self->py_plain_desc, (PyObject *)t);
        if (desc == NULL) return -1;
        int err = PyDict_SetItem(self->desc_cache, (PyObject *)t, desc);
        Py_DECREF(desc);  /* the cache holds it */
        if (err < 0) return -1;
    }
    if (desc == Py_None || Py_TYPE(desc)->tp_descr_get == NULL) return 0;
    PyObject *d = Py_TYPE(desc)->tp_descr_get(desc, obj, (PyObject *)t);
    if (d == NULL) {
        PyErr_Clear();
        return 0;
    }
    int result = 0;
    PyObject *names = NULL, *vtoks = NULL;
    if (!PyDict_CheckExact(d) || !PyTuple_Check(raw) || PyTuple_GET_SIZE(raw) != 2) goto out;
    names = PyTuple_GET_ITEM(raw, 0);
    vtoks = PyTuple_GET_ITEM(raw, 1);
    PyObject *cur = PyList_GET_ITEM(self->snap_cur, oid);
    if (!PyList_CheckExact(names) || !PyList_CheckExact(vtoks) || !PyDict_CheckExact(cur)
            || PyList_GET_SIZE(names) != PyList_GET_SIZE(vtoks))
        goto out;
    PyObject *new_ = PyDict_GetItemWithError(d, name);
    if (new_ == NULL) {
        result = PyErr_Occurred() ? -1 : 0;
        goto out;
    }
    Py_ssize_t nn = PyList_GET_SIZE(names), idx = -1;
    for (Py_ssize_t i = 0; i < nn; i++) {
        PyObject *x = PyList_GET_ITEM(names, i);
        if (x == name || (PyUnicode_CheckExact(x) && PyUnicode_Compare(x, name) == 0)) {
            idx = i;
            break;
        }
    }
    if (PyDict_GET_SIZE(d) != nn + (idx < 0)) goto out;  /* attributes came or went */
    int atom = is_atom(self, new_);
    if (atom < 0) {
        result = -1;
        goto out;
    }
    PyObject *tok = NULL;
    if (idx >= 0) {
        tok = PyList_GET_ITEM(vtoks, idx);
        if (tok == new_ || token_is(self, tok, new_)) {
            result = (!inplace || atom) ? 1 : 0;
            goto out;
        }
        if (PyErr_Occurred()) {
            result = -1;
            goto out;
        }
    }
    else if (nn >= self->max_items) {
        result = 1;  /* past the shown head */
        goto out;
    }
    Py_ssize_t cost = 64;
    if (*budget < cost || !delta_ok(self, oid)) goto out;  /* a memory check, a keyframe */
    PyObject *enc = store_enc(self, new_, step, &cost, budget);
    if (enc == NULL) {
        result = PyErr_Occurred() ? -1 : 0;
        goto out;
    }
    if (*budget < cost) goto out;
    /* the object the attribute held may have been let go */
    if (tok != NULL && Py_TYPE(tok) == self->ref_type && snap_suspect(self, enc_oid(self, tok)) < 0) {
        result = -1;
        goto out;
    }
    /* the mirrors, then Snapshotter._add_delta(oid, step, [None, name, enc]) */
    PyObject *delta = delta3(Py_NewRef(Py_None), Py_NewRef(name), Py_NewRef(enc));
    if (delta == NULL) {
        result = -1;
        goto out;
    }
    int err = 0;
    if (idx >= 0) err = list_set(vtoks, idx, enc) < 0;
    else {
        err = PyList_Append(names, name) < 0 || PyList_Append(vtoks, enc) < 0;
        if (!err) {
            PyObject *len = PyLong_FromSsize_t(PyList_GET_SIZE(names));
            err = len == NULL || PyList_SetItem(self->snap_lens, oid, len) < 0;
        }
    }
    if (!err) err = PyDict_SetItem(cur, name, enc) < 0 || adopt_kid(self, oid, enc) < 0;
    if (!err) err = add_delta(self, oid, step, delta) != 1;
    Py_DECREF(delta);
    if (!err) *budget -= cost;
    result = err ? -1 : 1;
out:
    Py_DECREF(d);
    return result;
}

/* A plan index as Recorder._run_plan evaluates it (new reference): ("const", v), ("name", n),
 * ("add", n, c) on an int; NULL with no error when it is another form (Python's path). */
static PyObject *plan_key(Core *self, PyObject *st, PyFrameObject *frame, PyObject *index) {
    if (!PyTuple_CheckExact(index) || PyTuple_GET_SIZE(index) < 2) return NULL;
    PyObject *kind = PyTuple_GET_ITEM(index, 0);
    if (kind == self->str_const) return Py_NewRef(PyTuple_GET_ITEM(index, 1));
    if (kind == self->str_name) return plan_value(self, st, frame, PyTuple_GET_ITEM(index, 1));
    if (kind == self->str_add || kind == self->str_mod) {
        Py_ssize_t k;
        int ok = plan_index(self, st, frame, index, &k);
        return ok == 1 ? PyLong_FromSsize_t(k) : NULL;
    }
    return NULL;
}

/* The enc of a dict key or stored value when it needs no Python: an atom, or a str / bytes
 * short enough to be its own enc (*cost += the bytes Snapshotter.encode counts). 0: Python. */
static int simple_enc(Core *self, PyObject *v, Py_ssize_t *cost) {
    int atom = is_atom(self, v);
    if (atom) return atom;
    if (PyUnicode_CheckExact(v) && PyUnicode_GET_LENGTH(v) <= self->max_str) {
        *cost += 56 + PyUnicode_GET_LENGTH(v);
        return 1;
    }
    if (PyBytes_CheckExact(v) && PyBytes_GET_SIZE(v) <= self->max_str) {
        *cost += 56 + PyBytes_GET_SIZE(v);
        return 1;
    }
    return 0;
}

/* The oid of `obj` when the snapshotter tracks it strongly with a snapshot of kind `kind`
 * (bounds-checked against every per-oid list used here); -1 when it does not track it, -2 when
 * it does but Python's path must look (another kind, an odd shape). */
static Py_ssize_t strong_oid(Core *self, PyObject *obj, PyObject *kind) {
    PyObject *idk = PyLong_FromVoidPtr(obj);
    if (idk == NULL) return -3;
    PyObject *oid_obj = PyDict_GetItemWithError(self->snap_ids, idk);
    Py_DECREF(idk);
    if (oid_obj == NULL) return PyErr_Occurred() ? -3 : -1;
    if (!PyLong_CheckExact(oid_obj)) return -2;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid < 0 || oid >= PyList_GET_SIZE(self->snap_objs) || oid >= PyList_GET_SIZE(self->snap_raw)
            || oid >= PyList_GET_SIZE(self->snap_lens) || oid >= PyList_GET_SIZE(self->snap_cur)
            || oid >= PyList_GET_SIZE(self->snap_since) || oid >= PyList_GET_SIZE(self->heap_kinds)
            || oid >= PyList_GET_SIZE(self->heap_vsteps) || oid >= PyList_GET_SIZE(self->heap_vsnaps)
            || oid >= PyList_GET_SIZE(self->snap_weak) || oid >= PyList_GET_SIZE(self->snap_kpos)) {
        PyErr_Clear();
        return -2;
    }
    if (PyList_GET_ITEM(self->snap_raw, oid) == Py_None) return -1;
    if (PyList_GET_ITEM(self->snap_weak, oid) != Py_False
            || PyList_GET_ITEM(self->snap_objs, oid) != obj)
        return -1;  /* another object at that address */
    PyObject *k = PyList_GET_ITEM(self->heap_kinds, oid);
    if (!PyUnicode_CheckExact(k) || PyUnicode_Compare(k, kind) != 0) return -2;
    return oid;
}

/* Snapshotter.check_item of `container[key]` for an exact dict tracked with a snapshot: the
 * item replaced in place, or a new key at the end, with atom / short str keys and values.
 * 1: done; 0: Python's path (nothing changed here); -1: error. */
static int dict_item_store(Core *self, PyObject *container, PyObject *key, PyObject *step,
                           int inplace, Py_ssize_t *budget) {
    PyTypeObject *kt = Py_TYPE(key);
    if (!(kt == &PyLong_Type || kt == &PyUnicode_Type || kt == &PyBool_Type || key == Py_None
          || kt == &PyBytes_Type))
        return 0;
    Py_ssize_t oid = strong_oid(self, container, self->str_dict);
    if (oid == -3) return -1;
    if (oid == -1) return 1;
    if (oid < 0) return 0;
    PyObject *raw = PyList_GET_ITEM(self->snap_raw, oid);
    PyObject *pos = PyList_GET_ITEM(self->snap_kpos, oid);
    PyObject *cur = PyList_GET_ITEM(self->snap_cur, oid);
    PyObject *lens = PyList_GET_ITEM(self->snap_lens, oid);
    if (!PyTuple_Check(raw) || PyTuple_GET_SIZE(raw) != 2 || !PyDict_CheckExact(pos)
            || !PyDict_CheckExact(cur) || !PyLong_CheckExact(lens))
        return 0;
    PyObject *ktoks = PyTuple_GET_ITEM(raw, 0), *vtoks = PyTuple_GET_ITEM(raw, 1);
    if (!PyList_CheckExact(ktoks) || !PyList_CheckExact(vtoks)
            || PyList_GET_SIZE(ktoks) != PyList_GET_SIZE(vtoks))
        return 0;
    PyObject *new_ = PyDict_GetItemWithError(container, key);
    if (new_ == NULL && PyErr_Occurred()) {
        PyErr_Clear();  /* the store itself failed (as Python's path: nothing to record) */
        return 1;
    }
    PyObject *at = PyDict_GetItemWithError(pos, key);
    if (at == NULL && PyErr_Occurred()) return -1;
    Py_ssize_t i = at != NULL && PyLong_CheckExact(at) ? PyLong_AsSsize_t(at) : -1;
    if (at != NULL && (i < 0 || i >= PyList_GET_SIZE(vtoks))) return 0;
    Py_ssize_t n = PyDict_GET_SIZE(container), old = PyLong_AsSsize_t(lens);
    PyObject *tok = NULL;
    if (i >= 0) {
        if (new_ == NULL || n != old) return 0;
        tok = PyList_GET_ITEM(vtoks, i);
        int atom = is_atom(self, new_);
        if (atom < 0) return -1;
        if (tok == new_ || token_is(self, tok, new_)) return (!inplace || atom) ? 1 : 0;
        if (PyErr_Occurred()) return -1;
    }
    else if (new_ == NULL) return n == old ? 1 : 0;
    else if (n != old + 1 || PyList_GET_SIZE(ktoks) != old || old >= self->max_items) return 0;
    Py_ssize_t cost = 72;
    int ok = simple_enc(self, key, &cost);
    if (ok <= 0) return ok;
    if (*budget < cost || !delta_ok(self, oid)) return 0;
    PyObject *enc = store_enc(self, new_, step, &cost, budget);
    if (enc == NULL) return PyErr_Occurred() ? -1 : 0;
    if (*budget < cost) return 0;
    /* Snapshotter._kept: the object the item held may have been let go */
    if (tok != NULL && Py_TYPE(tok) == self->ref_type && snap_suspect(self, enc_oid(self, tok)) < 0)
        return -1;
    PyObject *delta = delta3(PyLong_FromSsize_t(n), Py_NewRef(key), Py_NewRef(enc));
    if (delta == NULL) return -1;
    int err = 0;
    if (i < 0) {  /* a new key at the end */
        PyObject *idx = PyLong_FromSsize_t(PyList_GET_SIZE(ktoks));
        err = idx == NULL || PyDict_SetItem(pos, key, idx) < 0 || PyList_Append(ktoks, key) < 0
              || PyList_Append(vtoks, enc) < 0;
        Py_XDECREF(idx);
    }
    else err = list_set(vtoks, i, enc) < 0;
    if (!err && n != old) {
        PyObject *len = PyLong_FromSsize_t(n);
        err = len == NULL || PyList_SetItem(self->snap_lens, oid, len) < 0;
    }
    if (!err) err = PyDict_SetItem(cur, key, enc) < 0 || adopt_kid(self, oid, enc) < 0;
    if (!err) err = add_delta(self, oid, step, delta) != 1;
    Py_DECREF(delta);
    if (err) return -1;
    *budget -= cost;
    return 1;
}

/* Snapshotter.check_tail of a list after append/extend: the new items at its end, when they are
 * atoms or short str. 1: done; 0: Python's path (nothing changed here); -1: error. */
static int list_tail(Core *self, PyObject *obj, PyObject *step, Py_ssize_t *budget) {
    if (!PyList_CheckExact(obj)) {
        Py_ssize_t oid = strong_oid(self, obj, self->str_list);
        return oid == -3 ? -1 : oid == -1 ? 1 : 0;
    }
    Py_ssize_t oid = strong_oid(self, obj, self->str_list);
    if (oid == -3) return -1;
    if (oid == -1) return 1;
    if (oid < 0) return 0;
    PyObject *raw = PyList_GET_ITEM(self->snap_raw, oid);
    PyObject *cur = PyList_GET_ITEM(self->snap_cur, oid);
    PyObject *lens = PyList_GET_ITEM(self->snap_lens, oid);
    if (!PyList_CheckExact(raw) || !PyList_CheckExact(cur) || !PyLong_CheckExact(lens)) return 0;
    Py_ssize_t n = PyList_GET_SIZE(obj), old = PyLong_AsSsize_t(lens), limit = self->max_items;
    if (n < old || (old < limit && PyList_GET_SIZE(raw) != old)) return 0;
    if (n == old) return 1;
    Py_ssize_t end = n < limit ? n : limit, m = end > old ? end - old : 0;
    Py_ssize_t cost = 48 + 16 * m;
    for (Py_ssize_t i = old; i < end; i++) {
        int ok = simple_enc(self, PyList_GET_ITEM(obj, i), &cost);
        if (ok <= 0) return ok;
    }
    if (*budget < cost || !delta_ok(self, oid)) return 0;
    PyObject *delta = PyList_New(1 + 2 * m);
    PyObject *len = delta ? PyLong_FromSsize_t(n) : NULL;
    if (len == NULL) {
        Py_XDECREF(delta);
        return -1;
    }
    PyList_SET_ITEM(delta, 0, len);
    int err = 0;
    for (Py_ssize_t i = old, j = 1; i < end && !err; i++, j += 2) {
        PyObject *item = PyList_GET_ITEM(obj, i);
        PyObject *idx = PyLong_FromSsize_t(i);
        if (idx == NULL) {
            err = 1;
            break;
        }
        PyList_SET_ITEM(delta, j, idx);
        PyList_SET_ITEM(delta, j + 1, Py_NewRef(item));
        err = PyList_Append(raw, item) < 0 || PyList_Append(cur, item) < 0;
    }
    if (!err) {
        PyObject *nl = PyLong_FromSsize_t(n);
        err = nl == NULL || PyList_SetItem(self->snap_lens, oid, nl) < 0;
    }
    if (!err) err = add_delta(self, oid, step, delta) != 1;
    Py_DECREF(delta);
    if (err) return -1;
    *budget -= cost;
    return 1;
}

/* Snapshotter.encode of a new object the C core can capture: a plain instance (kind
 * "object", classified before, no user label) whose attributes are atoms or short str, or an
 * exact list of atoms or short str -- _track then _capture, as the Python code does them.
 * `depth` is encode's; `*budget` the bytes still allowed (lowered by what this stores).
 * Returns the new Ref (borrowed), or NULL with no error set when Python must encode it. */
static PyObject *track_new(Core *self, PyObject *value, PyObject *step, Py_ssize_t depth,
                           Py_ssize_t *budget) {
    PyTypeObject *t = Py_TYPE(value);
    int is_list = t == &PyList_Type;
    if (self->max_depth <= depth || self->array_type == NULL || PyExceptionInstance_Check(value)
            || PyList_GET_SIZE(self->snap_suspects) || PyList_GET_SIZE(self->snap_dead)
            || PyList_GET_SIZE(self->snap_retry))
        return NULL;
    PyObject *kind, *d = NULL;
    if (is_list) {
        kind = self->str_list;
        if (PyList_GET_SIZE(value) > self->max_items) return NULL;
    }
    else {
        if (self->repr_user) return NULL;
        kind = PyDict_GetItemWithError(self->snap_kinds, (PyObject *)t);
        if (kind == NULL || !PyUnicode_CheckExact(kind)
                || PyUnicode_Compare(kind, self->str_object) != 0) {
            PyErr_Clear();
            return NULL;
        }
        PyObject *desc = PyDict_GetItemWithError(self->desc_cache, (PyObject *)t);
        if (desc == NULL) {
            if (PyErr_Occurred()) return NULL;
            desc = PyObject_CallOneArg(self->py_plain_desc, (PyObject *)t);
            if (desc == NULL) return NULL;
            int err = PyDict_SetItem(self->desc_cache, (PyObject *)t, desc);
            Py_DECREF(desc);
            if (err < 0) return NULL;
        }
        if (desc == Py_None || Py_TYPE(desc)->tp_descr_get == NULL) return NULL;
        d = Py_TYPE(desc)->tp_descr_get(desc, value, (PyObject *)t);
        if (d == NULL) {
            PyErr_Clear();
            return NULL;
        }
        if (!PyDict_CheckExact(d) || PyDict_GET_SIZE(d) > self->max_items) {
            Py_DECREF(d);
            return NULL;
        }
    }
    PyObject *idk = PyLong_FromVoidPtr(value);
    if (idk == NULL) {
        Py_XDECREF(d);
        return NULL;
    }
    {  /* at this address: the same object, tracked (Python captures it), or a dead one's */
        PyObject *known = PyDict_GetItemWithError(self->snap_ids, idk);
        if (known != NULL) {
            Py_ssize_t oid = PyLong_CheckExact(known) ? PyLong_AsSsize_t(known) : -1;
            PyObject *r = oid >= 0 && oid < PyList_GET_SIZE(self->snap_objs)
                          && oid < PyList_GET_SIZE(self->snap_weak)
                          ? PyList_GET_ITEM(self->snap_objs, oid) : NULL;
            if (r != NULL && PyList_GET_ITEM(self->snap_weak, oid) == Py_True)
                r = PyWeakref_CheckRef(r) ? weak_target(r) : NULL;
            if (r == NULL || r == value) known = NULL;  /* not a plain stale entry: Python */
            else known = Py_None;
            if (known == NULL) {
                PyErr_Clear();
                Py_DECREF(idk);
                Py_XDECREF(d);
                return NULL;
            }
        }
        else if (PyErr_Occurred()) {
            PyErr_Clear();
            Py_DECREF(idk);
            Py_XDECREF(d);
            return NULL;
        }
    }
    PyObject *result = NULL, *names = NULL, *snap = NULL, *raw = NULL, *cur = NULL;
    PyObject *ref = NULL, *wr = NULL, *oid_obj = NULL, *tname = NULL, *vsteps = NULL;
    PyObject *vsnaps = NULL, *vtoks = NULL, *tn = NULL, *tv = NULL, *len_obj = NULL;
    Py_ssize_t n, cost;
    names = PyList_New(0);
    vtoks = PyList_New(0);
    cur = is_list ? PyList_New(0) : PyDict_New();
    if (!names || !vtoks || !cur) goto error;
    if (is_list) {
        n = PyList_GET_SIZE(value);
        cost = 64 + 8 * n;  /* 64 + 8 * _snap_len((n, encs)) */
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *v = PyList_GET_ITEM(value, i);
            int ok = simple_enc(self, v, &cost);
            if (ok < 0) goto error;
            if (!ok) goto out;
            if (PyList_Append(vtoks, v) < 0 || PyList_Append(cur, v) < 0) goto error;
        }
        tv = PyList_AsTuple(vtoks);
        len_obj = tv ? PyLong_FromSsize_t(n) : NULL;
        snap = len_obj ? PyTuple_Pack(2, len_obj, tv) : NULL;
        raw = Py_XNewRef(snap ? vtoks : NULL);  /* the items: atoms and str are their tokens */
    }
    else {
        n = PyDict_GET_SIZE(d);
        cost = 64 + 16 * n;  /* 64 + 8 * _snap_len((label, names, encs)) */
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(d, &pos, &k, &v)) {
            if (!PyUnicode_CheckExact(k)) goto out;
            int ok = simple_enc(self, v, &cost);
            if (ok < 0) goto error;
            if (!ok) goto out;
            if (PyList_Append(names, k) < 0 || PyList_Append(vtoks, v) < 0
                    || PyDict_SetItem(cur, k, v) < 0)
                goto error;
        }
        tn = PyList_AsTuple(names);
        tv = tn ? PyList_AsTuple(vtoks) : NULL;
        snap = tv ? PyTuple_Pack(3, Py_None, tn, tv) : NULL;
        raw = snap ? PyTuple_Pack(2, names, vtoks) : NULL;
        len_obj = raw ? PyLong_FromSsize_t(n) : NULL;
    }
    if (snap == NULL || raw == NULL || len_obj == NULL) goto error;
    if (*budget < cost) goto out;  /* a memory check: Python's path */
    tname = PyObject_GetAttr((PyObject *)t, self->str_name_attr);
    if (tname == NULL) goto error;
    /* Heap.new_object */
    Py_ssize_t oid = PyList_GET_SIZE(self->heap_kinds);
    if (PyList_GET_SIZE(self->heap_type_names) != oid || PyList_GET_SIZE(self->heap_vsteps) != oid
            || PyList_GET_SIZE(self->heap_vsnaps) != oid || PyList_GET_SIZE(self->snap_refs) != oid
            || PyList_GET_SIZE(self->snap_objs) != oid || PyList_GET_SIZE(self->snap_weak) != oid
            || PyList_GET_SIZE(self->snap_addr) != oid || PyList_GET_SIZE(self->snap_raw) != oid
            || PyList_GET_SIZE(self->snap_lens) != oid || PyList_GET_SIZE(self->snap_kids) != oid
            || PyList_GET_SIZE(self->snap_kpos) != oid || PyList_GET_SIZE(self->snap_cur) != oid
            || PyList_GET_SIZE(self->snap_since) != oid)
        goto out;  /* the tables disagree: not ours to fix */
    oid_obj = PyLong_FromSsize_t(oid);
    ref = oid_obj ? self->ref_type->tp_alloc(self->ref_type, 0) : NULL;
    if (ref == NULL) goto error;
    SLOT(ref, self->ref_oid) = Py_NewRef(oid_obj);
    if (t->tp_weaklistoffset) {
        wr = PyWeakref_NewRef(value, self->snap_died);
        if (wr == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError)) goto error;
            PyErr_Clear();
        }
    }
    {
        PyObject *step_tuple = PyTuple_Pack(1, step);
        vsteps = step_tuple ? PyObject_CallFunction((PyObject *)self->array_type, "sO", "q",
                                                    step_tuple) : NULL;
        Py_XDECREF(step_tuple);
    }
    vsnaps = vsteps ? PyList_New(1) : NULL;
    if (vsnaps == NULL) goto error;
    PyList_SET_ITEM(vsnaps, 0, Py_NewRef(snap));
    /* every table grows by one entry (a failure from here on fails the recording soft) */
    if (PyList_Append(self->heap_kinds, kind) < 0 || PyList_Append(self->heap_type_names, tname) < 0
            || PyList_Append(self->heap_vsteps, vsteps) < 0
            || PyList_Append(self->heap_vsnaps, vsnaps) < 0
            || PyDict_SetItem(self->snap_ids, idk, oid_obj) < 0
            || PyList_Append(self->snap_refs, ref) < 0)
        goto error;
    if (wr != NULL) {
        PyObject *wid = PyLong_FromVoidPtr(wr);
        int err = wid == NULL || PyDict_SetItem(self->snap_wr_oid, wid, oid_obj) < 0
                  || PyList_Append(self->snap_objs, wr) < 0
                  || PyList_Append(self->snap_weak, Py_True) < 0;
        Py_XDECREF(wid);
        if (err) goto error;
    }
    else {
        if (PyList_Append(self->snap_objs, value) < 0 || PyList_Append(self->snap_weak, Py_False) < 0)
            goto error;
        PyObject *strong = PyDict_GetItemWithError(self->snap_dict, self->str_strong);
        PyObject *one = strong ? PyLong_FromLong(1) : NULL;
        PyObject *more = one ? PyNumber_Add(strong, one) : NULL;
        Py_XDECREF(one);
        if (more == NULL || PyDict_SetItem(self->snap_dict, self->str_strong, more) < 0) {
            Py_XDECREF(more);
            goto error;
        }
        Py_DECREF(more);
    }
    PyObject *zero = PyLong_FromLong(0);
    PyObject *nokids = PyTuple_New(0);
    int err = !zero || !nokids || PyList_Append(self->snap_addr, idk) < 0
              || PyList_Append(self->snap_raw, raw) < 0 || PyList_Append(self->snap_lens, len_obj) < 0
              || PyList_Append(self->snap_kids, nokids) < 0
              || PyList_Append(self->snap_kpos, Py_None) < 0
              || PyList_Append(self->snap_cur, cur) < 0 || PyList_Append(self->snap_since, zero) < 0;
    Py_XDECREF(zero);
    Py_XDECREF(nokids);
    if (err) goto error;
    *budget -= cost;
    result = ref;  /* borrowed: snap_refs holds it */
    goto out;
error:
    result = NULL;
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_SystemError, "track_new failed");
out:
    Py_XDECREF(d);
    Py_DECREF(idk);
    Py_XDECREF(names); Py_XDECREF(vtoks); Py_XDECREF(cur); Py_XDECREF(snap); Py_XDECREF(raw);
    Py_XDECREF(ref); Py_XDECREF(wr); Py_XDECREF(oid_obj); Py_XDECREF(tname);
    Py_XDECREF(vsteps); Py_XDECREF(vsnaps); Py_XDECREF(tn); Py_XDECREF(tv); Py_XDECREF(len_obj);
    return result;
}

/* A Ref's oid (-1 when `enc` is not a Ref). */
static Py_ssize_t enc_oid(Core *self, PyObject *enc) {
    if (Py_TYPE(enc) != self->ref_type) return -1;
    PyObject *o = SLOT(enc, self->ref_oid);
    return o != NULL && PyLong_CheckExact(o) ? PyLong_AsSsize_t(o) : -1;
}

/* Snapshotter._adopt_kid(oid, enc): a newly stored child of `oid` joins its re-checks. */
static int adopt_kid(Core *self, Py_ssize_t oid, PyObject *enc) {
    Py_ssize_t kid = enc_oid(self, enc);
    if (kid < 0) return 0;
    PyObject *kids = PyList_GET_ITEM(self->snap_kids, oid);
    if (!PyTuple_Check(kids)) return 0;
    Py_ssize_t nk = PyTuple_GET_SIZE(kids);
    for (Py_ssize_t i = 0; i < nk; i++) {
        PyObject *x = PyTuple_GET_ITEM(kids, i);
        if (PyLong_CheckExact(x) && PyLong_AsSsize_t(x) == kid) return 0;
    }
    PyObject *cur = PyList_GET_ITEM(self->snap_cur, oid);
    Py_ssize_t ncur = PyDict_Check(cur) ? PyDict_GET_SIZE(cur) : PyList_Check(cur) ? PyList_GET_SIZE(cur) : -1;
    PyObject *out;
    if (ncur >= 0 && nk + 1 > 2 * ncur + 16) {
        /* replaced children pile up: rebuild from what the container holds now */
        PyObject *seen = PyDict_New();
        if (seen == NULL) return -1;
        PyObject *encs = PyDict_Check(cur) ? PyDict_Values(cur) : Py_NewRef(cur);
        PyObject *keys = PyDict_Check(cur) ? PyDict_Keys(cur) : PyList_New(0);
        int err = encs == NULL || keys == NULL;
        PyObject *parts[2] = {keys, encs};
        for (int p = 0; p < 2 && !err; p++)
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(parts[p]) && !err; i++) {
                Py_ssize_t o = enc_oid(self, PyList_GET_ITEM(parts[p], i));
                if (o < 0) continue;
                PyObject *ko = PyLong_FromSsize_t(o);
                err = ko == NULL || PyDict_SetItem(seen, ko, Py_None) < 0;
                Py_XDECREF(ko);
            }
        Py_XDECREF(encs);
        Py_XDECREF(keys);
        PyObject *lst = err ? NULL : PyDict_Keys(seen);
        Py_DECREF(seen);
        out = lst ? PyList_AsTuple(lst) : NULL;
        Py_XDECREF(lst);
    }
    else {
        out = PyTuple_New(nk + 1);
        if (out != NULL) {
            for (Py_ssize_t i = 0; i < nk; i++)
                PyTuple_SET_ITEM(out, i, Py_NewRef(PyTuple_GET_ITEM(kids, i)));
            PyObject *ko = PyLong_FromSsize_t(kid);
            if (ko == NULL) Py_CLEAR(out);
            else PyTuple_SET_ITEM(out, nk, ko);
        }
    }
    if (out == NULL) return -1;
    int err = list_set(self->snap_kids, oid, out);
    Py_DECREF(out);
    return err;
}

/* The enc of a value stored into a container or attribute: an atom or short str as itself
 * (*cost += its bytes), else the Ref of an object tracked or captured here (`depth` 1);
 * NULL with no error when Python must encode it. Borrowed. */
static PyObject *store_enc(Core *self, PyObject *value, PyObject *step, Py_ssize_t *cost,
                           Py_ssize_t *budget) {
    int ok = simple_enc(self, value, cost);
    if (ok < 0) return NULL;
    if (ok) return value;
    PyObject *ref = tracked_ref(self, value);
    if (ref != NULL || PyErr_Occurred()) return ref;
    return track_new(self, value, step, 1, budget);
}

/* Recorder._run_plan for a line whose calls are pure builtins or user code and whose stores are
 * `name[index] = …` into lists or `name.attr = …` into plain instances: 1 when done here, 0 when
 * Python's path must run, -1 on error. */
static int run_item_plan(Core *self, PyObject *st, PyObject *eff, PyFrameObject *frame,
                         PyObject *step, int in_line) {
    PyObject *plan = PyObject_GetAttr(eff, self->str_plan);
    if (plan == NULL) return -1;
    int result = 0, ngrown = 0;
    PyObject *calls = NULL, *targets = NULL, *grown[MAX_GROWN];
    if (plan == Py_None) goto out;
    calls = PyObject_GetAttr(plan, self->str_calls);
    targets = calls ? PyObject_GetAttr(plan, self->str_targets) : NULL;
    if (targets == NULL) { result = -1; goto out; }
    if (!PyTuple_CheckExact(calls) || !PyTuple_CheckExact(targets)) goto out;
    if (PyTuple_GET_SIZE(calls)) {
        result = plan_calls_ok(self, st, frame, calls, grown, &ngrown);
        if (result <= 0) goto out;
        result = 0;
    }
    /* memory: _line_work checks when the snapshotter's bytes pass the recorder's mark */
    Py_ssize_t bytes, budget, start_budget;
    result = mem_budget(self, &bytes, &budget);
    if (result <= 0) goto out;
    start_budget = budget;
    for (int g = 0; g < ngrown && result == 1; g++)  /* lists grown by append / extend */
        result = list_tail(self, grown[g], step, &budget);
    Py_ssize_t nt = PyTuple_GET_SIZE(targets);
    for (Py_ssize_t i = 0; i < nt && result == 1; i++) {
        PyObject *t = PyTuple_GET_ITEM(targets, i);  /* PlanTarget(base, path, inplace) */
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3) { result = 0; break; }
        PyObject *path = PyTuple_GET_ITEM(t, 1);
        if (PyTuple_CheckExact(path) && PyTuple_GET_SIZE(path) == 0) {
            /* the name itself (`total += …`): nothing to look at when it holds an atom */
            PyObject *obj = plan_value(self, st, frame, PyTuple_GET_ITEM(t, 0));
            if (obj == NULL) { result = PyErr_Occurred() ? -1 : 0; break; }
            int skip = PySet_Contains(self->skip_check, (PyObject *)Py_TYPE(obj));
            Py_DECREF(obj);
            result = skip < 0 ? -1 : skip ? 1 : 0;
            continue;
        }
        if (!PyTuple_CheckExact(path) || PyTuple_GET_SIZE(path) != 1) { result = 0; break; }
        PyObject *stepop = PyTuple_GET_ITEM(path, 0);
        if (!PyTuple_CheckExact(stepop) || PyTuple_GET_SIZE(stepop) != 2) { result = 0; break; }
        PyObject *op = PyTuple_GET_ITEM(stepop, 0);
        if (op != self->str_item && op != self->str_attr) { result = 0; break; }
        PyObject *container = plan_value(self, st, frame, PyTuple_GET_ITEM(t, 0));
        if (container == NULL) { result = PyErr_Occurred() ? -1 : 0; break; }
        if (op == self->str_attr) {  /* base.name = … */
            int skip = PySet_Contains(self->skip_check, (PyObject *)Py_TYPE(container));
            result = skip < 0 ? -1 : skip ? 1 :
                attr_store(self, container, PyTuple_GET_ITEM(stepop, 1), step,
                           PyObject_IsTrue(PyTuple_GET_ITEM(t, 2)) == 1, &budget);
            Py_DECREF(container);
            continue;
        }
        if (PyDict_CheckExact(container)) {  /* base[key] = … into a dict */
            PyObject *key = plan_key(self, st, frame, PyTuple_GET_ITEM(stepop, 1));
            if (key == NULL) result = PyErr_Occurred() ? -1 : 0;
            else {
                result = dict_item_store(self, container, key, step,
                                         PyObject_IsTrue(PyTuple_GET_ITEM(t, 2)) == 1, &budget);
                Py_DECREF(key);
            }
            Py_DECREF(container);
            continue;
        }
        if (!PyList_CheckExact(container)) {
            Py_DECREF(container);
            result = 0;
            break;
        }
        Py_ssize_t key;
        result = plan_index(self, st, frame, PyTuple_GET_ITEM(stepop, 1), &key);
        if (result == 1)
            result = list_item_store(self, container, key, step,
                                     PyObject_IsTrue(PyTuple_GET_ITEM(t, 2)) == 1, &budget);
        Py_DECREF(container);
    }
    if (budget != start_budget && set_bytes(self, bytes + (start_budget - budget)) < 0)
        result = -1;  /* Snapshotter.bytes += what was stored */
    if (result == 1 && in_line) {  /* as _line_work ends: release what the stores let go of */
        int settled = snap_settle(self);
        if (settled < 0) result = -1;
    }
out:
    for (int g = 0; g < ngrown; g++) Py_DECREF(grown[g]);
    Py_XDECREF(calls);
    Py_XDECREF(targets);
    Py_DECREF(plan);
    return result;
}

/* Recorder._apply of `eff` at `step` when it needs no Python: the line rebinds locals to atoms
 * only, no globals, and every object it names that could change in place is a function, class,
 * module or atom. 1: done; 0: the Python path must run (changes made here stay made: it sees
 * them as unchanged); -1: error. */
static int apply_simple(Core *self, PyObject *st, PyObject *eff, PyFrameObject *frame, int in_line,
                        PyObject *step) {
    PyObject *rebinds = SLOT(eff, self->es.rebinds);
    PyObject *grebinds = SLOT(eff, self->es.grebinds);
    PyObject *cands = SLOT(eff, self->es.cands);
    PyObject *gcands = SLOT(eff, self->es.gcands);
    if (rebinds == NULL || grebinds == NULL || cands == NULL || gcands == NULL
            || !PyTuple_CheckExact(rebinds) || !PyTuple_CheckExact(grebinds)
            || !PyTuple_CheckExact(cands) || !PyTuple_CheckExact(gcands)
            || PyTuple_GET_SIZE(grebinds) != 0)
        return 0;
    if (PyTuple_GET_SIZE(rebinds)) {
        int done = rebind_atoms(self, st, frame, rebinds, step, 0);
        if (done <= 0) return done;
    }
    int found = 0;  /* the line names an object that may have changed in place */
    if (PyTuple_GET_SIZE(cands)) {
        PyObject *objs = SLOT(st, self->fs.objs);
        if (objs == NULL || !PyDict_CheckExact(objs)) return 0;
        int ok = no_tracked(self, cands, objs);
        if (ok < 0) return -1;
        found = !ok;
    }
    if (!found && PyTuple_GET_SIZE(gcands)) {
        PyObject *g = PyFrame_GetGlobals(frame);
        if (g == NULL) return -1;
        int ok = PyDict_CheckExact(g) ? all_skippable(self, gcands, g) : 0;
        Py_DECREF(g);
        if (ok < 0) return -1;
        found = !ok;
    }
    return found ? run_item_plan(self, st, eff, frame, step, in_line) : 1;
}

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
    PyFrameObject *frame = PyEval_GetFrame();
    if (frame == NULL) Py_RETURN_NONE;
    int off = is_recording_off(self);
    if (off < 0) return NULL;
    if (off) Py_RETURN_NONE;
    /* a root frame may continue the last one (Recorder.continue_frame): Python decides */
    if (self->fs_cls != NULL && SLOT(info, self->is.is_module) == Py_False
            && PyList_GET_SIZE(self->stack) > 0) {
        int done = start_frame(self, info, frame, self->s_call);
        if (done < 0) return NULL;
        if (done) Py_RETURN_NONE;
    }
    PyObject *r = PyObject_CallFunctionObjArgs(self->py_on_start, info, (PyObject *)frame,
                                               self->s_call, NULL);
    if (r == NULL) return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
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
    PyFrameObject *frame = PyEval_GetFrame();
    if (frame == NULL) Py_RETURN_NONE;
    int off = is_recording_off(self);
    if (off < 0) return NULL;
    if (off) Py_RETURN_NONE;
    if (self->fs_cls != NULL && SLOT(info, self->is.is_module) == Py_False
            && PyList_GET_SIZE(self->stack) > 0) {
        int done = start_frame(self, info, frame, self->s_resume);
        if (done < 0) return NULL;
        if (done) Py_RETURN_NONE;
    }
    PyObject *r = PyObject_CallFunctionObjArgs(self->py_on_start, info, (PyObject *)frame,
                                               self->s_resume, NULL);
    if (r == NULL) return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
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
    Py_VISIT(self->append_methods); Py_VISIT(self->snap_kpos); Py_VISIT(self->snap_addr);
    Py_VISIT(self->snap_kids); Py_VISIT(self->snap_kinds); Py_VISIT(self->snap_wr_oid);
    Py_VISIT(self->snap_died); Py_VISIT(self->heap_type_names);
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
    Py_CLEAR(self->append_methods); Py_CLEAR(self->snap_kpos); Py_CLEAR(self->snap_addr);
    Py_CLEAR(self->snap_kids); Py_CLEAR(self->snap_kinds); Py_CLEAR(self->snap_wr_oid);
    Py_CLEAR(self->snap_died); Py_CLEAR(self->heap_type_names);
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
    Py_XDECREF(self->str_bytes); Py_XDECREF(self->str_mem_mark); Py_XDECREF(self->str_plan);
    Py_XDECREF(self->str_calls); Py_XDECREF(self->str_targets); Py_XDECREF(self->str_list);
    Py_XDECREF(self->str_item); Py_XDECREF(self->str_name); Py_XDECREF(self->str_add);
    Py_XDECREF(self->str_const); Py_XDECREF(self->str_attr); Py_XDECREF(self->str_mod); Py_XDECREF(self->str_object);
    Py_XDECREF(self->str_new); Py_XDECREF(self->str_init); Py_XDECREF(self->str_module);
    Py_XDECREF(self->str_builtins); Py_XDECREF(self->str_dict); Py_XDECREF(self->str_append);
    Py_XDECREF(self->str_strong); Py_XDECREF(self->str_name_attr);
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
        self->append_methods = PyObject_GetAttrString(mod, "APPEND_METHODS");
        Py_DECREF(mod);
        mod = PyImport_ImportModule("builtins");
        if (mod == NULL) goto fail;
        self->builtins = PyObject_GetAttrString(mod, "__dict__");
        Py_DECREF(mod);
        self->desc_cache = PyDict_New();
        if (!self->py_plain_desc || !self->pure_builtins || !self->builtins || !self->desc_cache
                || !self->pure_methods || !self->append_methods)
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
    self->str_plan = PyUnicode_InternFromString("plan");
    self->str_calls = PyUnicode_InternFromString("calls");
    self->str_targets = PyUnicode_InternFromString("targets");
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
    self->str_strong = PyUnicode_InternFromString("strong");
    self->str_name_attr = PyUnicode_InternFromString("__name__");
    if (!self->str_bytes || !self->str_mem_mark || !self->str_plan || !self->str_calls
            || !self->str_targets || !self->str_list || !self->str_item || !self->str_name
            || !self->str_add || !self->str_const || !self->str_attr || !self->str_object
            || !self->str_new || !self->str_init || !self->str_module || !self->str_builtins
            || !self->str_mod
            || !self->str_dict || !self->str_append || !self->str_strong || !self->str_name_attr) {
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
