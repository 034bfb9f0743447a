/* The C core's shared definitions: the Core object, the recorder's slot offsets, and the small
 * helpers every part uses (see _ccore.c for what the core does). Included once, by _ccore.c. */
#ifndef _CCORE_CORE_H
#define _CCORE_CORE_H

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
    Py_ssize_t rebinds, local_only, grebinds, cands, gcands, plan;
} EffectsSlots;

typedef struct {
    Py_ssize_t calls, targets;
} PlanSlots;

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
    PlanSlots ps;
    PyObject *plan_type;     /* purity.LinePlan: its slots are read through `ps` */
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
    PyObject *str_bytes, *str_mem_mark, *str_list,
        *str_item, *str_name, *str_add, *str_const, *str_attr, *str_object, *str_new, *str_init,
        *str_module, *str_builtins, *str_mod;
    int repr_user;           /* Snapshotter.repr_user: instances get a user label (Python's) */
    Py_ssize_t max_str;
    PyObject *desc_cache;    /* type -> its plain __dict__ descriptor or None */
    PyObject *py_plain_desc; /* object_view.plain_dict_descriptor */
    PyObject *pure_builtins; /* purity.PURE_BUILTIN_OBJECTS */
    PyObject *pure_methods, *append_methods;  /* purity.PURE_METHODS, APPEND_METHODS */
    PyObject *snap_kpos;     /* Snapshotter.kpos: per dict oid, key -> position (or None) */
    PyObject *str_dict, *str_append, *str_name_attr;
    PyObject *snap_held;     /* Snapshotter.held: the oids it holds strongly */
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

/* Recorder.off = value */
static int set_off(Core *self, PyObject *value) {
    return PyDict_SetItem(self->rec_dict, str_off, value);
}

/* defined in the files that follow, used before them */
static PyObject *track_new(Core *self, PyObject *value, PyObject *step, Py_ssize_t depth,
                           Py_ssize_t *budget);
static PyObject *store_enc(Core *self, PyObject *value, PyObject *step, Py_ssize_t *cost,
                           Py_ssize_t *budget);
static Py_ssize_t enc_oid(Core *self, PyObject *enc);
static int adopt_kid(Core *self, Py_ssize_t oid, PyObject *enc);
static PyObject *info_of(Core *self, PyObject *code);

#endif /* _CCORE_CORE_H */
