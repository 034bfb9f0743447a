/* The builder's int columns (array.array) written in place, and the change columns. */
#ifndef _CCORE_COLUMNS_H
#define _CCORE_COLUMNS_H

#include "_ccore_core.h"

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

/* Append one change (step, fid, name, value) to the change columns. */
static int add_change(Core *self, PyObject *step, PyObject *fid, PyObject *name, PyObject *value) {
    if (col_append_obj(self, C_CHS, step) < 0 || col_append_obj(self, C_CHF, fid) < 0)
        return -1;
    if (PyList_Append(self->ch_name, name) < 0) return -1;
    return PyList_Append(self->ch_val, value);
}

#endif /* _CCORE_COLUMNS_H */
