/* One compiled pass of a straight-line program over the cells of a broadcast result: the loop
 * under games.fused, which evaluates an expression's generated NumPy function in one pass
 * instead of one NumPy call per operation.
 *
 *   run(code, constants, inputs, outputs)
 *
 * code        int32 quadruples (operation, destination, first operand, second operand); the
 *             registers are the inputs, then the constants, then one per operation in turn
 *             (each written once); STORE's destination is an output's number
 * constants   float64 values of the registers after the inputs'
 * inputs      float64 arrays broadcasting to the outputs' shape
 * outputs     C-contiguous float64 arrays of the result's shape (one or two dimensions)
 *
 * Returns True when the outputs are written, False when the caller must evaluate the
 * function itself (an input that is not float64 or does not broadcast to the outputs, or
 * that varies along both axes with its rows out of order, where NumPy may lay the result out
 * column by column).
 *
 * As in NumPy, each operation is computed over the broadcast of its operands' shapes only:
 * a value that varies along the rows alone (a parameter per draw, (r, 1)), along the columns
 * alone ((1, m)) or along neither is computed once per row, column or call, and only the
 * operations whose operands vary along both axes run over every cell. Those go in blocks of
 * BLOCK cells, one loop per operation over the block, with the values of fewer dimensions
 * spread over the block first and the temporaries in a buffer that stays in the first-level
 * cache.
 *
 * Each cell goes through the same floating-point operations as in NumPy's elementwise
 * loops, so the numbers are the same bit for bit: + - * / and negation are exact IEEE
 * operations (the build turns off contraction into fused multiply-adds), a square is x*x as
 * np.square, and minimum/maximum choose as NumPy's loops do: the first operand when it is
 * NaN or strictly smaller (larger), else the second (so a NaN second operand, and the second
 * of two equal ones, +0.0 and -0.0 included). Logarithms are NumPy's,
 * between passes (games.fused).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512
#define MAX_INPUTS 256
#define MAX_OUTPUTS 64

enum { ADD, SUB, MUL, DIV, NEG, SQUARE, MIN, MAX, STORE };

/* Which axes of the result a value varies along (a bit each). */
enum { SCALAR = 0, ROWS = 1, COLUMNS = 2, FULL = 3 };

typedef struct {
    Py_buffer view;
    int held, kind, direct; /* direct: FULL and C-contiguous */
    Py_ssize_t s0, s1; /* byte strides along the result's rows and columns (0: broadcast) */
} Input;

/* What the loop knows of a register: its kind, its values over its own extent (a value, a
 * row, a column; for a FULL input its buffer, for a FULL result NULL), its block slot (-1:
 * none), its last use in a block, and for a FULL input that is not C-contiguous, the input
 * (gathered into its slot through its strides). */
typedef struct {
    int kind, slot;
    Py_ssize_t last;
    double *values;
    const Input *gathered;
} Register;

/* Storage kept between calls (the GIL is held throughout a call). */
static double *arena = NULL;
static Py_ssize_t arena_size = 0;

static double *storage_of(Py_ssize_t count) {
    if (count > arena_size) {
        double *grown = NULL;
        if (posix_memalign((void **)&grown, 64, (size_t)count * sizeof(double)) != 0)
            return NULL;
        free(arena);
        arena = grown;
        arena_size = count;
    }
    return arena;
}

/* Checks input's buffer against the result's shape (rows, columns; ndim 1 or 2) and sets
 * its kind and strides; 0 when the caller must answer instead. */
static int prepare(PyObject *obj, Input *in, int ndim, Py_ssize_t rows, Py_ssize_t columns) {
    const char *f;
    Py_ssize_t shape[2] = {1, 1}, strides[2] = {0, 0};
    int d, off;
    if (PyObject_GetBuffer(obj, &in->view, PyBUF_RECORDS_RO) < 0) {
        PyErr_Clear();
        return 0;
    }
    in->held = 1;
    f = in->view.format ? in->view.format : "B";
    if (*f == '=' || *f == '<' || *f == '@') f++;
    if (in->view.itemsize != 8 || strcmp(f, "d") != 0 || in->view.ndim > ndim) return 0;
    off = ndim - in->view.ndim;
    for (d = 0; d < in->view.ndim; d++) {
        shape[off + d] = in->view.shape[d];
        strides[off + d] = in->view.shape[d] == 1 ? 0 : in->view.strides[d];
    }
    if (ndim == 1) {
        shape[1] = shape[0]; strides[1] = strides[0];
        shape[0] = 1; strides[0] = 0;
    }
    if ((shape[0] != 1 && shape[0] != rows) || (shape[1] != 1 && shape[1] != columns))
        return 0;
    in->s0 = strides[0];
    in->s1 = strides[1];
    in->kind = (shape[0] > 1 ? ROWS : 0) | (shape[1] > 1 ? COLUMNS : 0);
    /* a table whose rows do not follow one another: NumPy might lay the result out
     * otherwise (column by column), so the caller's */
    if (in->kind == FULL && (in->s1 <= 0 || in->s0 < in->s1 * columns)) return 0;
    in->direct = in->kind == FULL && in->s0 == 8 * columns && in->s1 == 8;
    return 1;
}

#define LOOP(expression) \
    for (k = 0; k < n; k++) d[k] = (expression); \
    break;

/* The loops are compiled for the wider vector units too, where the system can choose
 * between versions at load time; each lane does the same IEEE operation. */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#define WIDE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDE
#endif

#define OPERATIONS(A, B) \
    switch (op) { \
    case ADD: LOOP(A + B) \
    case SUB: LOOP(A - B) \
    case MUL: LOOP(A * B) \
    case DIV: LOOP(A / B) \
    case NEG: LOOP(-A) \
    case SQUARE: LOOP(A * A) \
    case MIN: LOOP(((A < B) | (A != A)) ? A : B) \
    case MAX: LOOP(((A > B) | (A != A)) ? A : B) \
    }

/* One operation over n values, its first operand one value for all (a[0]). */
WIDE static void scalar_first(int op, double *restrict d, const double *restrict a,
                              const double *restrict b, Py_ssize_t n) {
    Py_ssize_t k;
    const double x = a[0];
    OPERATIONS(x, b[k])
}

/* One operation over n values, its second operand one value for all (b[0]). */
WIDE static void scalar_second(int op, double *restrict d, const double *restrict a,
                               const double *restrict b, Py_ssize_t n) {
    Py_ssize_t k;
    const double y = b[0];
    OPERATIONS(a[k], y)
}

/* One operation over n cells of a block. */
WIDE static void full(int op, double *restrict d, const double *restrict a,
                 const double *restrict b, Py_ssize_t n) {
    Py_ssize_t k;
    OPERATIONS(a[k], b[k])
}

/* The cells start .. start + n of a value of kind ROWS or COLUMNS, or of a FULL input read
 * through its strides, spread into to. */
static void spread(const Register *r, Py_ssize_t columns, Py_ssize_t start, Py_ssize_t n,
                   double *to) {
    Py_ssize_t row = start / columns, column = start % columns, k = 0;
    while (k < n) {
        Py_ssize_t j, m = columns - column < n - k ? columns - column : n - k;
        if (r->gathered != NULL) {
            const Input *in = r->gathered;
            const char *at = (const char *)in->view.buf + row * in->s0 + column * in->s1;
            for (j = 0; j < m; j++) to[k + j] = *(const double *)(at + j * in->s1);
        }
        else if (r->kind == ROWS) {
            double value = r->values[row];
            for (j = 0; j < m; j++) to[k + j] = value;
        }
        else
            memcpy(to + k, r->values + column, (size_t)m * sizeof(double));
        k += m;
        row++;
        column = 0;
    }
}

/* Whether the program's code is well formed for these counts of inputs, constants and
 * outputs (each operation writing the next register, reading earlier ones). */
static int valid(const int32_t *code, Py_ssize_t length, Py_ssize_t first, Py_ssize_t outputs) {
    Py_ssize_t i, next = first;
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        if (c[0] < ADD || c[0] > STORE || c[2] < 0 || c[2] >= next || c[3] < 0 || c[3] >= next)
            return 0;
        if (c[0] == STORE ? (c[1] < 0 || c[1] >= outputs) : c[1] != next++)
            return 0;
    }
    return 1;
}
#define ROUNDED(n) (((n) + 7) & ~(Py_ssize_t)7)

/* The extent of a kind: how many values it has. */
static Py_ssize_t extent(int kind, Py_ssize_t rows, Py_ssize_t columns) {
    return kind == SCALAR ? 1 : kind == ROWS ? rows : kind == COLUMNS ? columns : rows * columns;
}

/* Sets each register's kind, last use by a cell operation (or STORE) and block slot (the
 * registers of fewer dimensions that cell operations read get one each; the cell
 * operations' results share them as their lives allow); returns the number of slots, or -1
 * when out of memory. */
static Py_ssize_t plan(const int32_t *code, Py_ssize_t length, Register *reg,
                       Py_ssize_t registers, Py_ssize_t n_in) {
    Py_ssize_t i, slots = 0, n_free = 0, *free_slots;
    for (i = 0; i < registers; i++) { reg[i].slot = -1; reg[i].last = -1; }
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        if (c[0] != STORE) reg[c[1]].kind = reg[c[2]].kind | reg[c[3]].kind;
        if (c[0] == STORE || reg[c[1]].kind == FULL) reg[c[2]].last = reg[c[3]].last = i;
    }
    for (i = 0; i < registers; i++)
        if (reg[i].last >= 0 && (reg[i].kind != FULL || reg[i].gathered != NULL))
            reg[i].slot = slots++;
    free_slots = PyMem_Malloc((registers + 1) * sizeof(Py_ssize_t));
    if (free_slots == NULL) return -1;
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        int j;
        if (c[0] != STORE && reg[c[1]].kind != FULL) continue;
        if (c[0] != STORE) reg[c[1]].slot = n_free ? free_slots[--n_free] : slots++;
        for (j = 2; j < 4; j++) {
            Register *r = &reg[c[j]];
            if (r->kind == FULL && c[j] >= n_in && r->last == i && (j == 2 || c[3] != c[2]))
                free_slots[n_free++] = r->slot;
        }
    }
    PyMem_Free(free_slots);
    return slots;
}

/* The operations of fewer dimensions, each over its own extent, in program order (an
 * operand of another kind than the result's is one value for all: a SCALAR). */
static void run_lower(const int32_t *code, Py_ssize_t length, Register *reg, Py_ssize_t rows,
                      Py_ssize_t columns) {
    Py_ssize_t i;
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        Register *d = &reg[c[1]], *a = &reg[c[2]], *b = &reg[c[3]];
        Py_ssize_t n = extent(d->kind, rows, columns);
        if (c[0] == STORE || d->kind == FULL) continue;
        if (a->kind == d->kind && b->kind == d->kind)
            full(c[0], d->values, a->values, b->values, n);
        else if (a->kind == d->kind)
            scalar_second(c[0], d->values, a->values, b->values, n);
        else
            scalar_first(c[0], d->values, a->values, b->values, n);
    }
}

/* The cell operations and stores over the blocks; spread: the registers with a slot that
 * vary along one axis. */
static void run_cells(const int32_t *code, Py_ssize_t length, Register *reg, Py_ssize_t n_in,
                      double *slots, const Py_ssize_t *spread_list, Py_ssize_t n_spread,
                      Py_ssize_t columns, Py_ssize_t total, double **out) {
    Py_ssize_t start, i;
    for (start = 0; start < total; start += BLOCK) {
        Py_ssize_t n = total - start < BLOCK ? total - start : BLOCK;
        for (i = 0; i < n_spread; i++) {
            Register *r = &reg[spread_list[i]];
            spread(r, columns, start, n, slots + r->slot * BLOCK);
        }
        for (i = 0; i < length; i++) {
            const int32_t *c = code + 4 * i;
            const double *p[2];
            int j;
            if (c[0] != STORE && reg[c[1]].kind != FULL) continue;
            for (j = 0; j < 2; j++) {
                const Register *r = &reg[c[2 + j]];
                p[j] = r->slot < 0 ? r->values + start : slots + r->slot * BLOCK;
            }
            if (c[0] == STORE)
                memcpy(out[c[1]] + start, p[0], (size_t)n * sizeof(double));
            else
                full(c[0], slots + reg[c[1]].slot * BLOCK, p[0], p[1], n);
        }
    }
}

/* Each input's values over its own extent (copied into storage where they are strided);
 * returns how many numbers of storage that took, or with storage NULL would take. */
static Py_ssize_t place_inputs(Input *in, Register *reg, Py_ssize_t n_in, Py_ssize_t rows,
                               Py_ssize_t columns, double *storage) {
    Py_ssize_t r, k, used = 0;
    for (r = 0; r < n_in; r++) {
        const char *buf = in[r].view.buf;
        Py_ssize_t n, step;
        if (!in[r].held) continue;
        reg[r].kind = in[r].kind;
        reg[r].values = (double *)buf;
        reg[r].gathered = in[r].kind == FULL && !in[r].direct ? &in[r] : NULL;
        if (in[r].kind != ROWS && in[r].kind != COLUMNS) continue;
        n = in[r].kind == ROWS ? rows : columns;
        step = in[r].kind == ROWS ? in[r].s0 : in[r].s1;
        if (step == 8) continue;
        if (storage != NULL) {
            reg[r].values = storage + used;
            for (k = 0; k < n; k++) reg[r].values[k] = *(const double *)(buf + k * step);
        }
        used += ROUNDED(n);
    }
    return used;
}

static PyObject *run(PyObject *self, PyObject *args) {
    Py_buffer code_view, constants_view, out_view[MAX_OUTPUTS];
    PyObject *inputs, *outputs, *answer;
    Py_ssize_t n_in, n_out, n_const, length, registers, i, rows = 1, columns, total;
    Py_ssize_t slots, need, n_spread = 0, *spread_list = NULL;
    const int32_t *code;
    Input *in = NULL;
    Register *reg = NULL;
    double *out[MAX_OUTPUTS], *storage;
    int n_held = 0, ndim, ok = 0;
    if (!PyArg_ParseTuple(args, "y*y*O!O!", &code_view, &constants_view, &PyTuple_Type,
                          &inputs, &PyTuple_Type, &outputs))
        return NULL;
    code = code_view.buf;
    n_in = PyTuple_GET_SIZE(inputs);
    n_out = PyTuple_GET_SIZE(outputs);
    n_const = constants_view.len / 8;
    length = code_view.len / 16;
    registers = n_in + n_const;
    for (i = 0; i < length; i++) registers += code[4 * i] != STORE;
    if (n_in > MAX_INPUTS || n_out < 1 || n_out > MAX_OUTPUTS
        || !valid(code, length, n_in + n_const, n_out)) {
        PyErr_SetString(PyExc_ValueError, "malformed program");
        goto done;
    }
    in = PyMem_Calloc(n_in + 1, sizeof(Input));
    reg = PyMem_Calloc(registers, sizeof(Register));
    spread_list = PyMem_Malloc(registers * sizeof(Py_ssize_t));
    if (in == NULL || reg == NULL || spread_list == NULL) { PyErr_NoMemory(); goto done; }
    for (; n_held < n_out; n_held++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(outputs, n_held), &out_view[n_held],
                               PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
            goto done;
        out[n_held] = out_view[n_held].buf;
    }
    ndim = out_view[0].ndim;
    if (ndim < 1 || ndim > 2 || out_view[0].itemsize != 8) goto done;
    columns = out_view[0].shape[ndim - 1];
    if (ndim == 2) rows = out_view[0].shape[0];
    total = rows * columns;
    for (i = 0; i < n_out; i++)
        if (out_view[i].len != 8 * total || out_view[i].ndim != ndim) goto done;
    for (i = 0; i < length; i++) {
        int j;
        for (j = 2; j < 4; j++) {
            int32_t r = code[4 * i + j];
            if (r < n_in && !in[r].held
                && prepare(PyTuple_GET_ITEM(inputs, r), &in[r], ndim, rows, columns) <= 0)
                goto done;
        }
    }
    for (i = 0; i < n_const; i++) {
        reg[n_in + i].kind = SCALAR;
        reg[n_in + i].values = (double *)constants_view.buf + i;
    }
    need = place_inputs(in, reg, n_in, rows, columns, NULL);
    slots = plan(code, length, reg, registers, n_in);
    if (slots < 0) { PyErr_NoMemory(); goto done; }
    for (i = n_in + n_const; i < registers; i++)
        if (reg[i].kind != FULL) need += ROUNDED(extent(reg[i].kind, rows, columns));
    storage = storage_of(need + slots * BLOCK + 8);
    if (storage == NULL) { PyErr_NoMemory(); goto done; }
    need = place_inputs(in, reg, n_in, rows, columns, storage);
    for (i = n_in + n_const; i < registers; i++)
        if (reg[i].kind != FULL) {
            reg[i].values = storage + need;
            need += ROUNDED(extent(reg[i].kind, rows, columns));
        }
    run_lower(code, length, reg, rows, columns);
    {
        double *block = storage + need;
        Py_ssize_t k, first = total < BLOCK ? total : BLOCK;
        for (i = 0; i < registers; i++) {
            if (reg[i].slot < 0 || (reg[i].kind == FULL && reg[i].gathered == NULL)) continue;
            if (reg[i].kind == SCALAR)
                for (k = 0; k < first; k++) block[reg[i].slot * BLOCK + k] = reg[i].values[0];
            else
                spread_list[n_spread++] = i;
        }
        run_cells(code, length, reg, n_in, block, spread_list, n_spread, columns, total, out);
    }
    ok = 1;
done:
    for (i = 0; i < n_held; i++) PyBuffer_Release(&out_view[i]);
    if (in != NULL)
        for (i = 0; i < n_in; i++)
            if (in[i].held) PyBuffer_Release(&in[i].view);
    PyMem_Free(in);
    PyMem_Free(reg);
    PyMem_Free(spread_list);
    PyBuffer_Release(&code_view);
    PyBuffer_Release(&constants_view);
    if (PyErr_Occurred()) return NULL;
    answer = ok ? Py_True : Py_False;
    Py_INCREF(answer);
    return answer;
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS,
     "run(code, constants, inputs, outputs): the program over the "
     "outputs' cells; False when the caller must evaluate the function itself."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fused",
    "One compiled pass of an expression's arithmetic (games.fused is the caller).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
