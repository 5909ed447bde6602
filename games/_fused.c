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
 * outputs     C-contiguous float64 arrays of the result's shape (1 to MAX_DIMS dimensions)
 *
 * Returns True when the outputs are written, False when the caller must evaluate the
 * function itself: an input that is not float64 or does not broadcast to the outputs, or
 * that varies along two axes or more without its strides in row-major order (NumPy may then
 * lay its result out otherwise).
 *
 * As in NumPy, each operation is computed over the broadcast of its operands' shapes only:
 * a value that varies along some axes of the result (its kind: a bit per axis; a parameter
 * per draw varies along the rows, an issue along the columns) is computed once per index of
 * those axes, and only the operations whose operands together vary along every axis of the
 * result (FULL) run over every cell. Those go in blocks of BLOCK cells, one loop per
 * operation over the block, with the values of fewer axes spread over the block first and
 * the temporaries in a buffer that stays in the first-level cache. A result whose last axis
 * is short is taken with its longest axis last (a table of many short rows column by column,
 * its values per row then read in place) and written back in C order.
 *
 * Each cell goes through the same floating-point operations as in NumPy's elementwise
 * loops, so the numbers are the same bit for bit: + - * / and negation are exact IEEE
 * operations (the build turns off contraction into fused multiply-adds), a square is x*x as
 * np.square, and minimum/maximum choose as NumPy's loops do: the first operand when it is
 * NaN or strictly smaller (larger), else the second (so a NaN second operand, and the second
 * of two equal ones, +0.0 and -0.0 included). Logarithms are NumPy's, between passes
 * (games.fused).
 */
#include "_compiled.h" /* Python.h, the buffers' float64 check */
#include <stdint.h>
#include <stdlib.h>

#define BLOCK 512
#define MAX_INPUTS 256
#define MAX_OUTPUTS 64
#define MAX_DIMS 8
/* Results whose last axis is shorter than this are taken with their longest axis last. */
#define TRANSPOSE_BELOW 64

enum { ADD, SUB, MUL, DIV, NEG, SQUARE, MIN, MAX, STORE };

/* The result's shape, and the kind of a value that varies along all its axes. */
typedef struct {
    int ndim, full, transposed; /* transposed: the axes taken in another order */
    Py_ssize_t dims[MAX_DIMS], total;
    Py_ssize_t out_strides[MAX_DIMS]; /* where transposed: the output's, in values */
} Shape;

typedef struct {
    Py_buffer view;
    int held, kind;
    Py_ssize_t strides[MAX_DIMS]; /* bytes per axis of the result, 0 where broadcast */
} Input;

/* What the loop knows of a register: its kind; where its values are and their byte strides
 * along the result's axes (0 where it does not vary): its own array in the kind's C order,
 * or an input's buffer; its block slot (-1: read in place) and its last use in a block. */
typedef struct {
    int kind, slot;
    Py_ssize_t last;
    const char *base;
    Py_ssize_t strides[MAX_DIMS];
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

/* How many values a kind has: the product of the result's lengths along its axes. */
static Py_ssize_t extent(const Shape *shape, int kind) {
    Py_ssize_t n = 1;
    int a;
    for (a = 0; a < shape->ndim; a++)
        if (kind >> a & 1) n *= shape->dims[a];
    return n;
}

/* The byte strides of a kind's own array (C order over its axes; 0 along the others). */
static void own_strides(const Shape *shape, int kind, Py_ssize_t *strides) {
    Py_ssize_t step = 8;
    int a;
    for (a = shape->ndim - 1; a >= 0; a--) {
        strides[a] = kind >> a & 1 ? step : 0;
        if (kind >> a & 1) step *= shape->dims[a];
    }
}

/* Whether strides are those of the kind's own array. */
static int in_own_order(const Shape *shape, int kind, const Py_ssize_t *strides) {
    Py_ssize_t own[MAX_DIMS];
    int a;
    own_strides(shape, kind, own);
    for (a = 0; a < shape->ndim; a++)
        if (own[a] != strides[a]) return 0;
    return 1;
}

/* Checks input's buffer against the result's shape and sets its kind and strides; 0 when
 * the caller must answer instead. */
static int prepare(PyObject *obj, Input *in, const Shape *shape) {
    Py_ssize_t last = -1;
    int d, off;
    if (PyObject_GetBuffer(obj, &in->view, PyBUF_RECORDS_RO) < 0) {
        PyErr_Clear();
        return 0;
    }
    in->held = 1;
    if (!is_float64(&in->view) || in->view.ndim > shape->ndim) return 0;
    off = shape->ndim - in->view.ndim;
    in->kind = 0;
    for (d = 0; d < shape->ndim; d++) {
        Py_ssize_t length = d < off ? 1 : in->view.shape[d - off];
        in->strides[d] = 0;
        if (length == 1) continue;
        if (length != shape->dims[d]) return 0;
        in->strides[d] = in->view.strides[d - off];
        in->kind |= 1 << d;
        /* row-major: each axis's stride covers the later axes' whole extent */
        if (last >= 0 && in->strides[last] < in->strides[d] * shape->dims[d]) return 0;
        last = d;
    }
    return last < 0 || in->strides[last] > 0;
}

/* length values from at, step bytes apart (0: one value for all), into to. */
static inline void segment(const char *at, Py_ssize_t step, Py_ssize_t length, double *to) {
    Py_ssize_t j;
    if (step == 0) {
        double value = *(const double *)at;
        for (j = 0; j < length; j++) to[j] = value;
    }
    else if (step == 8)
        memcpy(to, at, (size_t)length * sizeof(double));
    else
        for (j = 0; j < length; j++) to[j] = *(const double *)(at + j * step);
}

/* Values start .. start + n (in C order over the axes of kind) of a value at base with
 * strides (0 along axes it does not vary on), into to: a run along the last axis at a time,
 * the index along the others kept as a counter. */
static void expand(const char *base, const Py_ssize_t *strides, const Shape *shape, int kind,
                   Py_ssize_t start, Py_ssize_t n, double *to) {
    int axes[MAX_DIMS], m = 0, i;
    Py_ssize_t index[MAX_DIMS], k = 0, inner, step;
    const char *at;
    for (i = 0; i < shape->ndim; i++)
        if (kind >> i & 1) axes[m++] = i;
    if (m == 0) {
        segment(base, 0, n, to);
        return;
    }
    inner = shape->dims[axes[m - 1]];
    step = strides[axes[m - 1]];
    if (m == 1) {
        segment(base + start * step, step, n, to);
        return;
    }
    for (i = m - 1; i >= 0; i--) {
        index[i] = start % shape->dims[axes[i]];
        start /= shape->dims[axes[i]];
    }
    at = base;
    for (i = 0; i < m; i++) at += index[i] * strides[axes[i]];
    while (k < n) {
        Py_ssize_t length = inner - index[m - 1] < n - k ? inner - index[m - 1] : n - k;
        segment(at, step, length, to + k);
        k += length;
        at -= index[m - 1] * step;
        index[m - 1] = 0;
        for (i = m - 2; i >= 0; i--) {
            at += strides[axes[i]];
            if (++index[i] < shape->dims[axes[i]]) break;
            at -= index[i] * strides[axes[i]];
            index[i] = 0;
        }
    }
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

/* One operation over n values. */
WIDE static void full(int op, double *restrict d, const double *restrict a,
                 const double *restrict b, Py_ssize_t n) {
    Py_ssize_t k;
    OPERATIONS(a[k], b[k])
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

/* Sets each register's kind, last use by a cell operation (or STORE) and block slot (the
 * registers that cell operations read and that are not a FULL array in C order get one
 * each; the cell operations' results share them as their lives allow); returns the number
 * of slots, or -1 when out of memory. */
static Py_ssize_t plan(const int32_t *code, Py_ssize_t length, Register *reg,
                       Py_ssize_t registers, Py_ssize_t first, const Shape *shape) {
    Py_ssize_t i, slots = 0, n_free = 0, *free_slots;
    for (i = 0; i < registers; i++) { reg[i].slot = -1; reg[i].last = -1; }
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        if (c[0] != STORE) reg[c[1]].kind = reg[c[2]].kind | reg[c[3]].kind;
        if (c[0] == STORE || reg[c[1]].kind == shape->full)
            reg[c[2]].last = reg[c[3]].last = i;
    }
    for (i = 0; i < first; i++)
        if (reg[i].last >= 0 && !(reg[i].kind == shape->full
                                  && in_own_order(shape, reg[i].kind, reg[i].strides)))
            reg[i].slot = slots++;
    free_slots = PyMem_Malloc((registers + 1) * sizeof(Py_ssize_t));
    if (free_slots == NULL) return -1;
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        int j;
        if (c[0] != STORE && reg[c[1]].kind != shape->full) continue;
        for (j = 2; j < 4; j++) /* a result of fewer axes read here: spread each block */
            if (c[j] >= first && reg[c[j]].kind != shape->full && reg[c[j]].slot < 0)
                reg[c[j]].slot = slots++;
        if (c[0] != STORE) reg[c[1]].slot = n_free ? free_slots[--n_free] : slots++;
        for (j = 2; j < 4; j++) {
            Register *r = &reg[c[j]];
            if (r->kind == shape->full && c[j] >= first && r->last == i
                && (j == 2 || c[3] != c[2]))
                free_slots[n_free++] = r->slot;
        }
    }
    PyMem_Free(free_slots);
    return slots;
}

/* Whether an operation of fewer axes than the result's reads r where it is: a value for
 * all, or its values in the C order of the result's kind (else they are spread first). */
static int read_in_place(const Register *r, int kind, const Shape *shape) {
    return r->kind == 0 || (r->kind == kind && in_own_order(shape, r->kind, r->strides));
}

/* The room the operands spread for the operations of fewer axes take: the most values of
 * one such operation's kind (two operands each). */
static Py_ssize_t spare_needed(const int32_t *code, Py_ssize_t length, const Register *reg,
                               const Shape *shape) {
    Py_ssize_t i, most = 0;
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        int kind = c[0] == STORE ? shape->full : reg[c[1]].kind;
        if (kind != shape->full && !(read_in_place(&reg[c[2]], kind, shape)
                                     && read_in_place(&reg[c[3]], kind, shape))
            && extent(shape, kind) > most)
            most = extent(shape, kind);
    }
    return most;
}

/* The operations of fewer axes than the result's, each over its own kind's values, in
 * program order; an operand of another kind is spread over them first (into spare, room
 * for two operands of room values each). */
static void run_lower(const int32_t *code, Py_ssize_t length, Register *reg,
                      const Shape *shape, double *spare, Py_ssize_t room) {
    Py_ssize_t i;
    for (i = 0; i < length; i++) {
        const int32_t *c = code + 4 * i;
        Register *d = &reg[c[1]];
        const double *p[2];
        int j, scalar[2];
        Py_ssize_t n;
        if (c[0] == STORE || d->kind == shape->full) continue;
        n = extent(shape, d->kind);
        for (j = 0; j < 2; j++) {
            const Register *r = &reg[c[2 + j]];
            scalar[j] = r->kind == 0;
            if (read_in_place(r, d->kind, shape))
                p[j] = (const double *)r->base;
            else {
                expand(r->base, r->strides, shape, d->kind, 0, n, spare + j * room);
                p[j] = spare + j * room;
            }
        }
        if (scalar[0] == scalar[1])
            full(c[0], (double *)d->base, p[0], p[1], n);
        else if (scalar[1])
            scalar_second(c[0], (double *)d->base, p[0], p[1], n);
        else
            scalar_first(c[0], (double *)d->base, p[0], p[1], n);
    }
}

/* Cells start .. start + n of a transposed result (in the order taken) from from, into
 * their places in the C-contiguous output. */
static void scatter(const double *from, const Shape *shape, Py_ssize_t start, Py_ssize_t n,
                    double *out) {
    int m = shape->ndim, i;
    Py_ssize_t index[MAX_DIMS], k = 0, j, inner = shape->dims[m - 1];
    Py_ssize_t step = shape->out_strides[m - 1];
    double *at = out;
    for (i = m - 1; i >= 0; i--) {
        index[i] = start % shape->dims[i];
        start /= shape->dims[i];
        at += index[i] * shape->out_strides[i];
    }
    while (k < n) {
        Py_ssize_t length = inner - index[m - 1] < n - k ? inner - index[m - 1] : n - k;
        for (j = 0; j < length; j++) at[j * step] = from[k + j];
        k += length;
        at -= index[m - 1] * step;
        index[m - 1] = 0;
        for (i = m - 2; i >= 0; i--) {
            at += shape->out_strides[i];
            if (++index[i] < shape->dims[i]) break;
            at -= index[i] * shape->out_strides[i];
            index[i] = 0;
        }
    }
}

/* A kind's bits after the axes are taken in order (new axis i is old axis order[i]). */
static int reordered(int kind, const int *order, int ndim) {
    int i, result = 0;
    for (i = 0; i < ndim; i++) result |= (kind >> order[i] & 1) << i;
    return result;
}

/* Takes a result whose last axis is short (fewer than TRANSPOSE_BELOW values) with its
 * longest axis last instead (the others in order): a value per draw (the usual operand, and
 * the draws the usual long axis) is then read in place along the block instead of spread
 * over it a short run at a time. The output is written back in C order. */
static void transpose(Shape *shape, Input *in, Py_ssize_t n_in) {
    int order[MAX_DIMS], longest = 0, a, m = shape->ndim, k;
    Py_ssize_t i, dims[MAX_DIMS], strides[MAX_DIMS], step = 1;
    for (a = 1; a < m; a++)
        if (shape->dims[a] > shape->dims[longest]) longest = a;
    shape->transposed = shape->dims[m - 1] < TRANSPOSE_BELOW && longest != m - 1;
    if (!shape->transposed) return;
    for (a = 0, k = 0; a < m; a++)
        if (a != longest) order[k++] = a;
    order[m - 1] = longest;
    for (a = m - 1; a >= 0; a--) {
        strides[a] = step;
        step *= shape->dims[a];
    }
    for (a = 0; a < m; a++) dims[a] = shape->dims[a];
    for (a = 0; a < m; a++) {
        shape->dims[a] = dims[order[a]];
        shape->out_strides[a] = strides[order[a]];
    }
    shape->full = reordered(shape->full, order, m);
    for (i = 0; i < n_in; i++) {
        if (!in[i].held) continue;
        for (a = 0; a < m; a++) strides[a] = in[i].strides[a];
        for (a = 0; a < m; a++) in[i].strides[a] = strides[order[a]];
        in[i].kind = reordered(in[i].kind, order, m);
    }
}

/* The cell operations and stores over the blocks; spread: the registers with a slot read
 * by them, spread over each block (those of kind 0 once for all blocks). */
static void run_cells(const int32_t *code, Py_ssize_t length, Register *reg, double *slots,
                      const Py_ssize_t *spread, Py_ssize_t n_spread, const Shape *shape,
                      double **out) {
    Py_ssize_t start, i;
    for (start = 0; start < shape->total; start += BLOCK) {
        Py_ssize_t n = shape->total - start < BLOCK ? shape->total - start : BLOCK;
        for (i = 0; i < n_spread; i++) {
            const Register *r = &reg[spread[i]];
            if (r->kind != 0 || start == 0)
                expand(r->base, r->strides, shape, shape->full, start, n,
                       slots + r->slot * BLOCK);
        }
        for (i = 0; i < length; i++) {
            const int32_t *c = code + 4 * i;
            const double *p[2];
            int j;
            if (c[0] != STORE && reg[c[1]].kind != shape->full) continue;
            for (j = 0; j < 2; j++) {
                const Register *r = &reg[c[2 + j]];
                p[j] = r->slot < 0 ? (const double *)r->base + start : slots + r->slot * BLOCK;
            }
            if (c[0] == STORE && shape->transposed)
                scatter(p[0], shape, start, n, out[c[1]]);
            else if (c[0] == STORE)
                memcpy(out[c[1]] + start, p[0], (size_t)n * sizeof(double));
            else
                full(c[0], slots + reg[c[1]].slot * BLOCK, p[0], p[1], n);
        }
    }
}

/* The outputs' shape (the same for all); 0 if they are not C-contiguous float64 arrays of
 * one shape of 1 to MAX_DIMS dimensions. */
static int shape_of(Py_buffer *out_view, Py_ssize_t n_out, Shape *shape) {
    Py_ssize_t i;
    int a;
    shape->ndim = out_view[0].ndim;
    if (shape->ndim < 1 || shape->ndim > MAX_DIMS || out_view[0].itemsize != 8) return 0;
    shape->full = 0;
    shape->transposed = 0;
    shape->total = 1;
    for (a = 0; a < shape->ndim; a++) {
        shape->dims[a] = out_view[0].shape[a];
        shape->total *= shape->dims[a];
        if (shape->dims[a] > 1) shape->full |= 1 << a;
    }
    for (i = 0; i < n_out; i++)
        if (out_view[i].len != 8 * shape->total || out_view[i].ndim != shape->ndim) return 0;
    return 1;
}

/* The program over the outputs' cells, once the inputs are prepared: 1 done, -1 error. */
static int execute(const int32_t *code, Py_ssize_t length, Input *in, Py_ssize_t n_in,
                   const double *constants, Py_ssize_t n_const, Py_ssize_t registers,
                   const Shape *shape, double **out) {
    Register *reg = PyMem_Calloc(registers, sizeof(Register));
    Py_ssize_t *spread = PyMem_Malloc(registers * sizeof(Py_ssize_t));
    Py_ssize_t i, slots, need = 0, n_spread = 0, first = n_in + n_const, spare;
    double *storage;
    int done = -1;
    if (reg == NULL || spread == NULL) { PyErr_NoMemory(); goto end; }
    for (i = 0; i < n_in; i++)
        if (in[i].held) {
            reg[i].kind = in[i].kind;
            reg[i].base = in[i].view.buf;
            memcpy(reg[i].strides, in[i].strides, sizeof(in[i].strides));
        }
    for (i = 0; i < n_const; i++) reg[n_in + i].base = (const char *)(constants + i);
    slots = plan(code, length, reg, registers, first, shape);
    if (slots < 0) { PyErr_NoMemory(); goto end; }
    for (i = first; i < registers; i++)
        if (reg[i].kind != shape->full) need += ROUNDED(extent(shape, reg[i].kind));
    spare = spare_needed(code, length, reg, shape);
    storage = storage_of(need + slots * BLOCK + 2 * spare + 8);
    if (storage == NULL) { PyErr_NoMemory(); goto end; }
    need = 0;
    for (i = first; i < registers; i++)
        if (reg[i].kind != shape->full) {
            reg[i].base = (const char *)(storage + need);
            own_strides(shape, reg[i].kind, reg[i].strides);
            need += ROUNDED(extent(shape, reg[i].kind));
        }
    run_lower(code, length, reg, shape, storage + need, spare);
    need += 2 * spare;
    for (i = 0; i < registers; i++)
        if (reg[i].slot >= 0 && !(i >= first && reg[i].kind == shape->full))
            spread[n_spread++] = i;
    run_cells(code, length, reg, storage + need, spread, n_spread, shape, out);
    done = 1;
end:
    PyMem_Free(reg);
    PyMem_Free(spread);
    return done;
}

static PyObject *run(PyObject *self, PyObject *args) {
    Py_buffer code_view, constants_view, out_view[MAX_OUTPUTS];
    PyObject *inputs, *outputs, *answer;
    Py_ssize_t n_in, n_out, n_const, length, registers, i;
    const int32_t *code;
    Input *in = NULL;
    double *out[MAX_OUTPUTS];
    Shape shape;
    int n_held = 0, ok = 0;
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
    if (in == NULL) { PyErr_NoMemory(); goto done; }
    for (; n_held < n_out; n_held++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(outputs, n_held), &out_view[n_held],
                               PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
            goto done;
        out[n_held] = out_view[n_held].buf;
    }
    if (!shape_of(out_view, n_out, &shape)) goto done;
    for (i = 0; i < length; i++) {
        int j;
        for (j = 2; j < 4; j++) {
            int32_t r = code[4 * i + j];
            if (r < n_in && !in[r].held && !prepare(PyTuple_GET_ITEM(inputs, r), &in[r], &shape))
                goto done;
        }
    }
    transpose(&shape, in, n_in);
    /* an empty result has nothing to compute (and no lengths to divide by) */
    ok = shape.total == 0 || execute(code, length, in, n_in, constants_view.buf, n_const,
                                     registers, &shape, out) > 0;
done:
    for (i = 0; i < n_held; i++) PyBuffer_Release(&out_view[i]);
    if (in != NULL)
        for (i = 0; i < n_in; i++)
            if (in[i].held) PyBuffer_Release(&in[i].view);
    PyMem_Free(in);
    PyBuffer_Release(&code_view);
    PyBuffer_Release(&constants_view);
    if (PyErr_Occurred()) return NULL;
    answer = ok ? Py_True : Py_False;
    Py_INCREF(answer);
    return answer;
}

/* Whether none of n values is infinite or NaN (its exponent bits all ones): an OR over
 * integer tests, which the compiler vectorises (a sum of x * 0 would not be). */
WIDE static int none_special(const uint64_t *restrict bits, Py_ssize_t n) {
    const uint64_t exponent = 0x7ff0000000000000ULL;
    uint64_t special = 0;
    Py_ssize_t k;
    for (k = 0; k < n; k++) special |= (uint64_t)((bits[k] & exponent) == exponent);
    return special == 0;
}

/* finite(arrays): True when every value of the arrays (a tuple of C-contiguous float64
 * arrays) is finite, False when one is not, None when an array is not of that kind. */
static PyObject *finite_arrays(PyObject *self, PyObject *args) {
    PyObject *arrays;
    Py_ssize_t i;
    int all = 1;
    if (!PyArg_ParseTuple(args, "O!", &PyTuple_Type, &arrays)) return NULL;
    for (i = 0; i < PyTuple_GET_SIZE(arrays) && all; i++) {
        Py_buffer view;
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(arrays, i), &view,
                               PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        if (!is_float64(&view)) {
            PyBuffer_Release(&view);
            Py_RETURN_NONE;
        }
        all = none_special((const uint64_t *)view.buf, view.len / 8);
        PyBuffer_Release(&view);
    }
    return PyBool_FromLong(all);
}

static PyMethodDef methods[] = {
    {"run", run, METH_VARARGS,
     "run(code, constants, inputs, outputs): the program over the "
     "outputs' cells; False when the caller must evaluate the function itself."},
    {"finite", finite_arrays, METH_VARARGS,
     "finite(arrays): whether every value of a tuple of C-contiguous float64 arrays is "
     "finite; None when an array is not of that kind."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fused",
    "One compiled pass of an expression's arithmetic (games.fused is the caller).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
