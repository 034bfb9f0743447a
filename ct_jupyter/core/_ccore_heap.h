/* The Snapshotter's tables read and updated from C: tokens, tracked objects, new objects
 * captured, children, suspects and the collect pass, the byte budget, deltas -- each
 * function names the Python method it mirrors. */
#ifndef _CCORE_HEAP_H
#define _CCORE_HEAP_H

#include "_ccore_columns.h"

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

/* 1 when `oid` indexes every per-oid table of the Snapshotter and the Heap (they grow
 * together, one entry per tracked object). */
static inline int oid_ok(Core *self, Py_ssize_t oid) {
    PyObject *tables[] = {self->snap_objs, self->snap_weak, self->snap_addr, self->snap_raw,
                          self->snap_lens, self->snap_kids, self->snap_kpos, self->snap_cur,
                          self->snap_since, self->snap_refs, self->heap_kinds, self->heap_vsteps,
                          self->heap_vsnaps};
    if (oid < 0) return 0;
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        if (oid >= PyList_GET_SIZE(tables[i])) return 0;
    return 1;
}

/* Snapshotter.get(oid): the object `oid` stands for (borrowed; Py_None once the program freed
 * it or we released it), NULL when its entry is not a weak reference where one should be. */
static inline PyObject *oid_target(Core *self, Py_ssize_t oid) {
    PyObject *r = PyList_GET_ITEM(self->snap_objs, oid);
    if (PyList_GET_ITEM(self->snap_weak, oid) != Py_True) return r;
    return PyWeakref_CheckRef(r) ? weak_target(r) : NULL;
}

/* The oid of the Ref `tok` when it indexes the tables, else -1. */
static Py_ssize_t ref_oid(Core *self, PyObject *tok) {
    PyObject *oid_obj = SLOT(tok, self->ref_oid);
    if (oid_obj == NULL || !PyLong_CheckExact(oid_obj)) return -1;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid == -1 && PyErr_Occurred()) PyErr_Clear();
    return oid_ok(self, oid) ? oid : -1;
}

/* Snapshotter.same: 1 when the token `tok` (a Ref, a weak reference) stands for `value`. */
static int token_is(Core *self, PyObject *tok, PyObject *value) {
    if (tok == value) return 1;
    if (Py_TYPE(tok) == self->ref_type) {
        Py_ssize_t oid = ref_oid(self, tok);
        return oid >= 0 && oid_target(self, oid) == value;
    }
    if (PyWeakref_CheckRefExact(tok)) return weak_target(tok) == value;
    return 0;
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

/* The oid the snapshotter's `ids` table gives `obj`, when that entry stands for `obj` (captured
 * or not, strong or weak); -1 when it has none or the entry is a dead object's whose address
 * `obj` took; -2 when the entry is not understood; -3 on error. */
static Py_ssize_t ids_oid(Core *self, PyObject *obj) {
    PyObject *idk = PyLong_FromVoidPtr(obj);
    if (idk == NULL) return -3;
    PyObject *oid_obj = PyDict_GetItemWithError(self->snap_ids, idk);
    Py_DECREF(idk);
    if (oid_obj == NULL) return PyErr_Occurred() ? -3 : -1;
    if (!PyLong_CheckExact(oid_obj)) return -2;
    Py_ssize_t oid = PyLong_AsSsize_t(oid_obj);
    if (oid == -1 && PyErr_Occurred()) PyErr_Clear();
    if (!oid_ok(self, oid)) return -2;
    PyObject *r = oid_target(self, oid);
    if (r == NULL) return -2;
    return r == obj ? oid : -1;
}

/* The oid of `obj` when the snapshotter tracks it with a snapshot (of kind `kind` unless NULL;
 * held strongly, or also through a weak reference when `weak_ok`); -1 when it does not (or
 * another object had that address), -2 when it does but Python's path must look (another
 * kind, an odd entry), -3 on error. */
static Py_ssize_t tracked_oid(Core *self, PyObject *obj, PyObject *kind, int weak_ok) {
    Py_ssize_t oid = ids_oid(self, obj);
    if (oid < 0) return oid;
    if (PyList_GET_ITEM(self->snap_raw, oid) == Py_None) return -1;  /* not captured */
    if (!weak_ok && PyList_GET_ITEM(self->snap_weak, oid) != Py_False) return -1;
    if (kind != NULL) {
        PyObject *k = PyList_GET_ITEM(self->heap_kinds, oid);
        if (!PyUnicode_CheckExact(k) || PyUnicode_Compare(k, kind) != 0) return -2;
    }
    return oid;
}

/* tracked_oid of an object held strongly (lists, dicts) */
static inline Py_ssize_t strong_oid(Core *self, PyObject *obj, PyObject *kind) {
    return tracked_oid(self, obj, kind, 0);
}

/* Snapshotter.encode of an object it already tracks with a snapshot: its Ref (borrowed).
 * NULL when `value` is not such an object (no error set, unless reading the tables failed). */
static PyObject *tracked_ref(Core *self, PyObject *value) {
    Py_ssize_t oid = tracked_oid(self, value, NULL, 1);
    if (oid < 0) return NULL;
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

/* Snapshotter.suspect: note that something the program held `oid` by has let go of it. */
static int snap_suspect(Core *self, Py_ssize_t oid) {
    if (!oid_ok(self, oid) || PyList_GET_ITEM(self->snap_weak, oid) == Py_True
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
    if (!oid_ok(self, oid)) {
        PyErr_SetString(PyExc_IndexError, "snapshotter oid out of range");
        return -1;
    }
    PyObject *addr = PyList_GET_ITEM(self->snap_addr, oid);
    PyObject *known = PyDict_GetItemWithError(self->snap_ids, addr);
    if (known == NULL && PyErr_Occurred()) return -1;
    if (known != NULL && PyLong_CheckExact(known) && PyLong_AsSsize_t(known) == oid
            && PyDict_DelItem(self->snap_ids, addr) < 0)
        return -1;
    {  /* held.discard(oid) */
        PyObject *o = PyLong_FromSsize_t(oid);
        int err = o == NULL || PySet_Discard(self->snap_held, o) < 0;
        Py_XDECREF(o);
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
    if (!oid_ok(self, oid)) return 0;
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
        Py_ssize_t known = ids_oid(self, value);
        if (known != -1) {
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
        if (PySet_Add(self->snap_held, oid_obj) < 0) goto error;
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

#endif /* _CCORE_HEAP_H */
