/* The C fast path of the sector_weights package (see _fastpath.py), and the one place that
 * decides whether an array is ready for the library as it is: exactly numpy.ndarray,
 * C-contiguous, aligned, of the element type the library reads, in native byte order.
 *
 * - ready(letters, *arrays): whether every array is ready, array i holding elements of the
 *   struct-module letter letters[i] ('d' float64, 'i' int32, 'q' int64, ...; numpy's
 *   dtype.char, where 'l' is C long).
 * - call(weights, sectors, num_sectors, out): sector_weights() for ready arrays (float64
 *   weights, int32 codes, equal 1-D or 2-D shapes; `out` None or a writable ready float64 array
 *   of the result's shape): calls sw_sector_weights with the GIL released, as ctypes does.
 *
 * Why: code that runs right after a large call finds its caches cold (the call streamed its
 * input through this core's L2), so the same Python-level checks and ctypes conversions that take
 * about 2 us warm took 10-20 us after a 20 x 50,000 call. Done here they touch a few cache lines.
 *
 * It never decides what is an error: anything that is not plainly ready returns False / None and
 * the Python code takes its general path, which converts or raises the precise TypeError /
 * ValueError. The library checks lengths, NULL, alignment and overlap again.
 *
 * The library is not linked: configure() receives the address of sw_sector_weights from the
 * ctypes handle the package loaded (so SECTOR_WEIGHTS_LIBRARY and the version check apply). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* sw_sector_weights exactly as include/sector_weights.h declares it (SwStatus is an int32_t).
 * The compiler cannot compare the two, as the library is not linked: test_prototypes.py does. */
typedef int32_t (*sw_sector_weights_fn)(const double *weights,
                                        size_t weights_len,
                                        const int32_t *sectors,
                                        size_t sectors_len,
                                        size_t num_portfolios,
                                        size_t num_sectors,
                                        double *out,
                                        size_t out_len);

static sw_sector_weights_fn sw_sector_weights = NULL;
static PyTypeObject *ndarray_type = NULL; /* numpy.ndarray */
static PyObject *empty_fn = NULL;         /* numpy.empty */

/* configure(address of sw_sector_weights, numpy.ndarray, numpy.empty) */
static PyObject *configure(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long address;
    PyObject *nd, *empty;
    if (!PyArg_ParseTuple(args, "KOO", &address, &nd, &empty)) return NULL;
    if (address == 0 || !PyType_Check(nd) || !PyCallable_Check(empty)) {
        PyErr_SetString(PyExc_ValueError, "configure(address, numpy.ndarray, numpy.empty)");
        return NULL;
    }
    Py_INCREF(nd);
    Py_INCREF(empty);
    Py_XSETREF(ndarray_type, (PyTypeObject *)nd);
    Py_XSETREF(empty_fn, empty);
    sw_sector_weights = (sw_sector_weights_fn)(uintptr_t)address;
    Py_RETURN_NONE;
}

/* A struct-module letter with C long ('l', 'L': 4 or 8 bytes) named by its size instead. */
static char sized_letter(char letter, Py_ssize_t size) {
    if (letter == 'l') return size == 8 ? 'q' : 'i';
    if (letter == 'L') return size == 8 ? 'Q' : 'I';
    return letter;
}

/* The size of an element of (sized) letter `letter`, or 0 for a letter not read here. */
static Py_ssize_t letter_size(char letter) {
    switch (letter) {
    case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'q': case 'Q': case 'd': return 8;
    default: return 0;
    }
}

/* The sized letter of a buffer's elements in native byte order; 0 for anything else (another
 * byte order, a struct, ...). */
static char element_letter(const Py_buffer *v) {
    const char *f = v->format;
    if (f == NULL) return 0;
    if (f[0] == '=' || f[0] == '@' || (f[0] == '<' && PY_LITTLE_ENDIAN) ||
        (f[0] == '>' && PY_BIG_ENDIAN))
        f++;
    if (f[0] == '\0' || f[1] != '\0') return 0;
    return sized_letter(f[0], v->itemsize);
}

/* The rule: fills `view` (the caller releases it) and returns 1 when `obj` is ready for the
 * library as it is, holding `letter` elements (and writable if asked); else returns 0, holding
 * nothing and leaving no exception set. */
static int ready_view(PyObject *obj, char letter, int writable, Py_buffer *view) {
    if (Py_TYPE(obj) != ndarray_type) return 0;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0) {
        PyErr_Clear();
        return 0;
    }
    letter = sized_letter(letter, (Py_ssize_t)sizeof(long));
    Py_ssize_t size = letter_size(letter);
    if (size != 0 && view->itemsize == size && element_letter(view) == letter &&
        ((uintptr_t)view->buf & (uintptr_t)(size - 1)) == 0)
        return 1;
    PyBuffer_Release(view);
    return 0;
}

/* ready(letters, *arrays): True when every array is ready with its letter's elements. */
static PyObject *ready(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    Py_ssize_t n;
    const char *letters = nargs >= 1 ? PyUnicode_AsUTF8AndSize(args[0], &n) : NULL;
    if (letters == NULL || n != nargs - 1) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "ready(letters, *arrays): one letter per array");
        return NULL;
    }
    Py_buffer view;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!ready_view(args[i + 1], letters[i], 0, &view)) Py_RETURN_FALSE;
        PyBuffer_Release(&view);
    }
    Py_RETURN_TRUE;
}

/* Weights and codes of one portfolio, (B,), or of P portfolios, (P, B), alike. */
static int same_layout(const Py_buffer *w, const Py_buffer *c) {
    return (w->ndim == 1 || w->ndim == 2) && c->ndim == w->ndim && c->shape[0] == w->shape[0] &&
           (w->ndim == 1 || c->shape[1] == w->shape[1]);
}

/* The result's shape, (S,) or (P, S), for weights `w`. */
static int result_fits(const Py_buffer *o, const Py_buffer *w, Py_ssize_t num_sectors) {
    if (w->ndim == 1) return o->ndim == 1 && o->shape[0] == num_sectors;
    return o->ndim == 2 && o->shape[0] == w->shape[0] && o->shape[1] == num_sectors;
}

/* `out`, or if it is None a new float64 array of the result's shape: a new reference, or NULL
 * with an exception set. */
static PyObject *result_array(PyObject *out, const Py_buffer *w, Py_ssize_t num_sectors) {
    if (out != Py_None) {
        Py_INCREF(out);
        return out;
    }
    PyObject *shape = w->ndim == 2 ? Py_BuildValue("(nn)", w->shape[0], num_sectors)
                                   : Py_BuildValue("(n)", num_sectors);
    if (shape == NULL) return NULL;
    PyObject *result = PyObject_CallOneArg(empty_fn, shape);
    Py_DECREF(shape);
    return result;
}

/* sw_sector_weights on ready buffers, with the GIL released. */
static int32_t compute(const Py_buffer *w, const Py_buffer *c, Py_ssize_t num_sectors,
                       Py_buffer *o) {
    size_t portfolios = w->ndim == 2 ? (size_t)w->shape[0] : 1;
    int32_t status;
    Py_BEGIN_ALLOW_THREADS
    status = sw_sector_weights((const double *)w->buf, (size_t)(w->len / 8),
                               (const int32_t *)c->buf, (size_t)(c->len / 4), portfolios,
                               (size_t)num_sectors, (double *)o->buf, (size_t)(o->len / 8));
    Py_END_ALLOW_THREADS
    return status;
}

/* The result of sw_sector_weights into `result` (a new reference, consumed): `result`, an int
 * status (the library failed: the caller raises with the library's message), or None. */
static PyObject *fill(PyObject *result, const Py_buffer *w, const Py_buffer *c,
                      Py_ssize_t num_sectors) {
    Py_buffer o;
    if (!ready_view(result, 'd', 1, &o)) {
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    if (!result_fits(&o, w, num_sectors)) {
        PyBuffer_Release(&o);
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    /* The buffers stay exported during the call: nothing can resize the arrays under it. */
    int32_t status = compute(w, c, num_sectors, &o);
    PyBuffer_Release(&o);
    if (status != 0) {
        Py_DECREF(result);
        return PyLong_FromLong(status);
    }
    return result;
}

/* call(weights, sectors, num_sectors, out_or_None): the result array, an int status (the library
 * failed: the caller raises with the library's message), or None (not a ready call). */
static PyObject *call(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 4 || sw_sector_weights == NULL || !PyLong_CheckExact(args[2])) Py_RETURN_NONE;
    PyObject *weights = args[0], *sectors = args[1], *out = args[3];
    Py_ssize_t num_sectors = PyLong_AsSsize_t(args[2]);
    if (num_sectors < 0) {
        PyErr_Clear(); /* negative or too large: the general path says which */
        Py_RETURN_NONE;
    }
    if (out != Py_None && Py_TYPE(out) != ndarray_type) Py_RETURN_NONE;
    Py_buffer w, c;
    if (!ready_view(weights, 'd', 0, &w)) Py_RETURN_NONE;
    if (!ready_view(sectors, 'i', 0, &c)) {
        PyBuffer_Release(&w);
        Py_RETURN_NONE;
    }
    PyObject *done;
    if (same_layout(&w, &c)) {
        PyObject *result = result_array(out, &w, num_sectors);
        done = result == NULL ? NULL : fill(result, &w, &c, num_sectors);
    } else {
        Py_INCREF(Py_None);
        done = Py_None;
    }
    PyBuffer_Release(&c);
    PyBuffer_Release(&w);
    return done;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(address, ndarray, empty): the address of sw_sector_weights, numpy.ndarray and "
     "numpy.empty."},
    {"ready", (PyCFunction)(void (*)(void))ready, METH_FASTCALL,
     "ready(letters, *arrays): whether every array is a ready numpy.ndarray (C-contiguous, "
     "aligned, native byte order) of the element type of its struct-module letter."},
    {"call", (PyCFunction)(void (*)(void))call, METH_FASTCALL,
     "call(weights, sectors, num_sectors, out): the result, an int status, or None (not a ready "
     "call: take the general path)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "sector_weights._fastcall",
    "The C fast path of the sector_weights package (see _fastcall.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastcall(void) { return PyModule_Create(&module); }
