/* The fast path of sector_weights.sector_weights(), in C: for ready numpy arrays (float64 and
 * int32, C-contiguous, aligned, 1-D or 2-D of equal shapes; `out` float64 of the result's shape,
 * writable) it reads the arrays through the buffer protocol and calls the library's
 * sw_sector_weights with the GIL released, as ctypes does.
 *
 * Why: code that runs right after a large call finds its caches cold (the call streamed its input
 * through this core's L2), so the same Python-level checks and ctypes conversions that take
 * about 2 us warm took 10-20 us after a 20 x 50,000 call. Done here they touch a few cache lines.
 *
 * It never decides what is an error: anything that is not plainly a ready array returns None and
 * the Python code takes its general path, which converts or raises the precise TypeError /
 * ValueError. The library checks lengths, NULL, alignment and overlap again.
 *
 * The library is not linked: configure() receives the address of sw_sector_weights from the
 * ctypes handle the package loaded (so SECTOR_WEIGHTS_LIBRARY and the version check apply). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef int32_t (*sw_sector_weights_fn)(const double *, size_t, const int32_t *, size_t, size_t,
                                        size_t, double *, size_t);

static sw_sector_weights_fn sw_fn = NULL;
static PyObject *ndarray_type = NULL; /* numpy.ndarray */
static PyObject *empty_fn = NULL;     /* numpy.empty */

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
    Py_XSETREF(ndarray_type, nd);
    Py_XSETREF(empty_fn, empty);
    sw_fn = (sw_sector_weights_fn)(uintptr_t)address;
    Py_RETURN_NONE;
}

/* A C-contiguous buffer of `obj` with shape and format, or 0 (no exception left set). */
static int get(PyObject *obj, Py_buffer *view, int writable) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) == 0) return 1;
    PyErr_Clear();
    return 0;
}

static int is_format(const Py_buffer *v, char code, Py_ssize_t itemsize) {
    const char *f = v->format;
    if (f == NULL || v->itemsize != itemsize) return 0;
    if (f[0] == '=' || f[0] == '@' || (f[0] == '<' && PY_LITTLE_ENDIAN) ||
        (f[0] == '>' && PY_BIG_ENDIAN))
        f++;
    return f[0] == code && f[1] == '\0';
}

/* call(weights, sectors, num_sectors, out_or_None): the result array, an int status (the library
 * failed: the caller raises with the library's message), or None (not a ready call). */
static PyObject *call(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 4 || sw_fn == NULL) Py_RETURN_NONE;
    PyObject *weights = args[0], *sectors = args[1], *num = args[2], *out = args[3];
    PyTypeObject *nd = (PyTypeObject *)ndarray_type;
    if (Py_TYPE(weights) != nd || Py_TYPE(sectors) != nd || !PyLong_CheckExact(num))
        Py_RETURN_NONE;
    Py_ssize_t s = PyLong_AsSsize_t(num);
    if (s < 0) {
        PyErr_Clear(); /* negative or too large: the general path says which */
        Py_RETURN_NONE;
    }
    if (out != Py_None && Py_TYPE(out) != nd) Py_RETURN_NONE;

    PyObject *result = NULL;
    Py_buffer w, c, o;
    if (!get(weights, &w, 0)) Py_RETURN_NONE;
    if (!get(sectors, &c, 0)) {
        PyBuffer_Release(&w);
        Py_RETURN_NONE;
    }
    int nd_ok = (w.ndim == 1 || w.ndim == 2) && c.ndim == w.ndim && w.shape[0] == c.shape[0] &&
                (w.ndim == 1 || w.shape[1] == c.shape[1]);
    if (!nd_ok || !is_format(&w, 'd', 8) || !is_format(&c, 'i', 4) || ((uintptr_t)w.buf & 7) ||
        ((uintptr_t)c.buf & 3))
        goto fallback;
    Py_ssize_t p = w.ndim == 2 ? w.shape[0] : 1;
    if (out == Py_None) {
        PyObject *shape = w.ndim == 2 ? Py_BuildValue("(nn)", p, s) : Py_BuildValue("(n)", s);
        if (shape == NULL) goto error;
        result = PyObject_CallOneArg(empty_fn, shape);
        Py_DECREF(shape);
        if (result == NULL) goto error;
    } else {
        Py_INCREF(out);
        result = out;
    }
    if (!get(result, &o, 1)) goto fallback;
    if (o.ndim != w.ndim || o.shape[0] != (w.ndim == 2 ? p : s) || (w.ndim == 2 && o.shape[1] != s) ||
        !is_format(&o, 'd', 8) || ((uintptr_t)o.buf & 7)) {
        PyBuffer_Release(&o);
        goto fallback;
    }
    size_t n = (size_t)(w.len / 8), out_len = (size_t)(o.len / 8);
    int32_t status;
    Py_BEGIN_ALLOW_THREADS
    status = sw_fn((const double *)w.buf, n, (const int32_t *)c.buf, (size_t)(c.len / 4),
                   (size_t)p, (size_t)s, (double *)o.buf, out_len);
    Py_END_ALLOW_THREADS
    /* The buffers stay exported during the call: nothing can resize the arrays under it. */
    PyBuffer_Release(&o);
    PyBuffer_Release(&c);
    PyBuffer_Release(&w);
    if (status != 0) {
        Py_DECREF(result);
        return PyLong_FromLong(status);
    }
    return result;

fallback:
    Py_XDECREF(result);
    PyBuffer_Release(&c);
    PyBuffer_Release(&w);
    Py_RETURN_NONE;
error:
    PyBuffer_Release(&c);
    PyBuffer_Release(&w);
    return NULL;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(address, ndarray, empty): the address of sw_sector_weights, numpy.ndarray and "
     "numpy.empty."},
    {"call", (PyCFunction)(void (*)(void))call, METH_FASTCALL,
     "call(weights, sectors, num_sectors, out): the result, an int status, or None (not a ready "
     "call: take the general path)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "sector_weights._fastcall",
    "The C fast path of sector_weights.sector_weights() (see _fastcall.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastcall(void) { return PyModule_Create(&module); }
