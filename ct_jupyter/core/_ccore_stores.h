/* What a line changed, without Python: rebinding names, and the pure stores of a line's
 * static plan (list and dict items, instance attributes, list tails) -- Recorder._rebind,
 * _apply and _run_plan, and the Snapshotter's check_item / check_attr / check_tail. */
#ifndef _CCORE_STORES_H
#define _CCORE_STORES_H

#include "_ccore_heap.h"

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
 * builtin or a function, class or method of user code; 0 when Python must look. Lists grown by
 * append / extend go to `grown` (at most MAX_GROWN). */
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

/* Snapshotter.check_item of `container[k]` for an exact list tracked with a snapshot, when the
 * stored item is an atom (or the item is unchanged). 1: done; 0: Python's path must run (nothing
 * was changed here); -1: error. `budget`: the bytes still allowed before a memory check. */
static int list_item_store(Core *self, PyObject *container, Py_ssize_t key, PyObject *step,
                           int inplace, Py_ssize_t *budget) {
    Py_ssize_t oid = strong_oid(self, container, self->str_list);
    if (oid == -3) return -1;
    if (oid == -1) return 1;  /* untracked (or not this object): nothing to check */
    if (oid < 0) return 0;
    PyObject *raw = PyList_GET_ITEM(self->snap_raw, oid);
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

/* Snapshotter.check_attr of `obj.name` for a plain instance tracked with a snapshot, when the
 * stored value is an atom or a short str (or unchanged). 1: done; 0: Python's path must run
 * (nothing was changed here); -1: error. */
static int attr_store(Core *self, PyObject *obj, PyObject *name, PyObject *step, int inplace,
                      Py_ssize_t *budget) {
    if (!PyUnicode_CheckExact(name)) return 0;
    Py_ssize_t oid = tracked_oid(self, obj, self->str_object, 1);
    if (oid == -3) return -1;
    if (oid == -1) return 1;  /* untracked (or not this object): nothing to check */
    if (oid < 0 || self->repr_user) return 0;
    PyObject *raw = PyList_GET_ITEM(self->snap_raw, oid);
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

/* Recorder._run_plan for a line whose calls are pure builtins or user code and whose stores are
 * `name[index] = …` into lists or `name.attr = …` into plain instances: 1 when done here, 0 when
 * Python's path must run, -1 on error. */
static int run_item_plan(Core *self, PyObject *st, PyObject *eff, PyFrameObject *frame,
                         PyObject *step, int in_line) {
    /* LineEffects.plan: a LinePlan (calls, targets), read through its slots */
    PyObject *plan = SLOT(eff, self->es.plan);
    if (plan == NULL || Py_TYPE(plan) != (PyTypeObject *)self->plan_type) return 0;
    PyObject *calls = SLOT(plan, self->ps.calls), *targets = SLOT(plan, self->ps.targets);
    if (calls == NULL || targets == NULL || !PyTuple_CheckExact(calls)
            || !PyTuple_CheckExact(targets))
        return 0;
    int result = 0, ngrown = 0;
    PyObject *grown[MAX_GROWN];
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

#endif /* _CCORE_STORES_H */
