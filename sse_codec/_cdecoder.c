/* sse_codec._cdecoder: SSEDecoder compiled.
 *
 * The same behaviour as the pure-Python reference, sse_codec/_decoder.py, which
 * is the oracle this module is tested against (tests/test_cdecoder_*.py): the
 * WHATWG "Server-sent events" parsing rules on bytes, one state machine.
 *
 *   feed(chunk) -> chunk bytes -> [BOM check at stream start] -> lines (CR, LF,
 *   CRLF; a CR at a chunk end is remembered) -> one line at a time: dispatch,
 *   comment or field -> ServerSentEvent / Comment objects in a list.
 *
 * Safety rules this file keeps:
 * - A bytes chunk is immutable and read where it lies.  Any other chunk is
 *   copied window by window (64 KiB, as the reference reads it) into a buffer
 *   of our own before it is read, so no pointer into a caller's mutable bytes
 *   is used across a call into Python code (on_comment may mutate what it was
 *   fed).  A bytearray's address and size are read again for every window (the
 *   callback may even resize it); a memoryview's buffer is held through the
 *   buffer protocol for the whole call.
 * - A busy flag refuses re-entrant calls (from on_comment, or from another
 *   thread while the callback runs): RuntimeError, the outer call unaffected.
 * - The pending line and the data buffer never hold more than the limits
 *   allow: a line is checked before it is stored.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

/* -- module-wide objects, set once by the module's init ------------------- */

static PyTypeObject *Event_Type;     /* sse_codec._event.ServerSentEvent */
static PyObject *Comment_Type;       /* sse_codec._event.Comment */
static PyObject *LimitError;         /* sse_codec._errors.SSELimitError */
static PyObject *ClosedError;        /* sse_codec._errors.SSEDecoderClosedError */
static PyObject *DefaultMaxLine;     /* sse_codec._constants.DEFAULT_MAX_LINE_SIZE */
static PyObject *DefaultMaxEvent;    /* sse_codec._constants.DEFAULT_MAX_EVENT_SIZE */
static PyObject *Str_message;        /* "message" */
static PyObject *Str_empty;          /* "" */

/* Byte offsets of ServerSentEvent's four slots, read from its member descriptors
 * and checked at init (see event_slot_offset): filling the slots directly costs
 * a fraction of calling the frozen dataclass's __init__, and gives a genuine
 * instance: the same type, equality, hash and repr. */
static Py_ssize_t Off_event, Off_data, Off_id, Off_retry;

static const char BOM[3] = {'\xef', '\xbb', '\xbf'};

/* -- a growable byte buffer ------------------------------------------------- */

typedef struct {
    char *buf;
    Py_ssize_t len, cap;
} Buf;

/* Buffers above this size are freed when they empty, so that a decoder parked
 * after a big line or event does not keep its memory. */
#define KEEP_MAX 4096

/* A chunk that is not bytes is copied and read in windows of this size. */
#define WINDOW (64 * 1024)

static int
buf_reserve(Buf *b, Py_ssize_t extra)
{
    if (b->cap - b->len >= extra) {
        return 0;
    }
    if (extra > PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t need = b->len + extra;
    /* The first allocation is exact (a parked decoder holds what it must, no
     * more); then grow by half again, so that any chunking copies linearly. */
    Py_ssize_t cap = b->cap < PY_SSIZE_T_MAX / 3 * 2 ? b->cap + b->cap / 2 : need;
    if (cap < need) {
        cap = need;
    }
    char *mem = PyMem_Realloc(b->buf, (size_t)cap);
    if (mem == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->buf = mem;
    b->cap = cap;
    return 0;
}

static int
buf_append(Buf *b, const char *p, Py_ssize_t n)
{
    if (buf_reserve(b, n) < 0) {
        return -1;
    }
    if (n > 0) {
        memcpy(b->buf + b->len, p, (size_t)n);
    }
    b->len += n;
    return 0;
}

static void
buf_free(Buf *b)
{
    PyMem_Free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

/* Empty the buffer; free it when it grew big. */
static void
buf_clear(Buf *b)
{
    b->len = 0;
    if (b->cap > KEEP_MAX) {
        buf_free(b);
    }
}

/* -- the decoder object ------------------------------------------------------ */

enum { OPEN = 0, CLOSED = 1, FAILED = 2 };
#define BOM_DONE 3 /* the stream's start is decided: BOM dropped or absent */

typedef struct {
    PyObject_HEAD
    PyObject *max_line_obj;      /* None or an int >= 0, as given */
    PyObject *max_event_obj;
    Py_ssize_t max_line;         /* -1: no limit (an int past Py_ssize_t: its max) */
    Py_ssize_t max_event;
    PyObject *dispatch_on_close; /* plain attributes, as in the reference */
    PyObject *on_comment;
    PyObject *retry;
    PyObject *last_event_id;     /* str */
    PyObject *id_buffer;         /* str: the ID the next dispatch makes the last one */
    PyObject *event_type;        /* the last decoded type (kept to reuse), or NULL */
    PyObject *block_retry;       /* the block's retry, or NULL */
    Buf line;                    /* the unterminated line */
    Buf data;                    /* the block's data values, each followed by LF */
    unsigned char state;         /* OPEN, CLOSED or FAILED */
    unsigned char bom;           /* BOM bytes matched at the start, or BOM_DONE */
    unsigned char cr;            /* the last chunk ended with CR */
    unsigned char busy;          /* inside feed/close: refuse re-entry */
    unsigned char items;         /* the call in progress returns comments too */
    unsigned char type_set;      /* the block set a non-empty event type */
} Decoder;

/* Release the block and the pending line (close and failure). */
static void
drop_buffers(Decoder *self)
{
    buf_free(&self->line);
    buf_free(&self->data);
    Py_CLEAR(self->block_retry);
    self->type_set = 0;
}

static void
fail(Decoder *self)
{
    self->state = FAILED;
    drop_buffers(self);
}

/* Raise SSELimitError(name, limit, size, events, items) and leave the decoder
 * failed; `out` holds the items the call completed, `events` the events among them. */
static int
limit_error(Decoder *self, const char *name, PyObject *limit, Py_ssize_t size, PyObject *out)
{
    fail(self);
    PyObject *events = PyList_New(0);
    if (events == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(out); i++) {
        PyObject *item = PyList_GET_ITEM(out, i);
        if (Py_IS_TYPE(item, Event_Type) && PyList_Append(events, item) < 0) {
            Py_DECREF(events);
            return -1;
        }
    }
    PyObject *exc = PyObject_CallFunction(LimitError, "sOnOO", name, limit, size, events, out);
    Py_DECREF(events);
    if (exc != NULL) {
        PyErr_SetObject(LimitError, exc);
        Py_DECREF(exc);
    }
    return -1;
}

/* A new ServerSentEvent with its slots filled (steals a reference to data). */
static PyObject *
make_event(PyObject *type, PyObject *data, PyObject *id, PyObject *retry)
{
    PyObject *ev = Event_Type->tp_alloc(Event_Type, 0);
    if (ev == NULL) {
        Py_DECREF(data);
        return NULL;
    }
    char *base = (char *)ev;
    *(PyObject **)(base + Off_event) = Py_NewRef(type);
    *(PyObject **)(base + Off_data) = data;
    *(PyObject **)(base + Off_id) = Py_NewRef(id);
    *(PyObject **)(base + Off_retry) = Py_NewRef(retry);
    /* It holds only str, None and int, which cannot reach back to it: it can be
     * no part of a reference cycle, so the cycle collector need not track it (as
     * CPython untracks tuples and dicts of such values).  Tracked, a list of many
     * events made the collector's passes cost more than the parsing. */
    PyObject_GC_UnTrack(ev);
    return ev;
}

/* Blank line: the ID buffer becomes the last event ID; a non-empty data buffer
 * becomes an event (its final LF removed); the type and retry are reset. */
static int
dispatch(Decoder *self, PyObject *out)
{
    Py_INCREF(self->id_buffer);
    Py_SETREF(self->last_event_id, self->id_buffer);
    if (self->data.len > 0) {
        Buf *d = &self->data;
        Py_ssize_t n = d->len - 1;
        if (d->cap - d->len > KEEP_MAX) {
            /* Shrink a big event's buffer before its text is made beside it, so
             * that the peak is twice the event, not up to 2.5 times. */
            char *mem = PyMem_Realloc(d->buf, (size_t)d->len);
            if (mem != NULL) {
                d->buf = mem;
                d->cap = d->len;
            }
        }
        PyObject *text = PyUnicode_DecodeUTF8(d->buf, n, "replace");
        buf_clear(d);
        if (text == NULL) {
            return -1;
        }
        PyObject *ident = PyUnicode_GET_LENGTH(self->last_event_id) ? self->last_event_id
                                                                     : Py_None;
        PyObject *type = self->type_set ? self->event_type : Str_message;
        PyObject *retry = self->block_retry ? self->block_retry : Py_None;
        PyObject *ev = make_event(type, text, ident, retry);
        if (ev == NULL) {
            return -1;
        }
        int rc = PyList_Append(out, ev);
        Py_DECREF(ev);
        if (rc < 0) {
            return -1;
        }
    }
    self->type_set = 0;
    Py_CLEAR(self->block_retry);
    return 0;
}

/* A str holding exactly these (ASCII) bytes, reused when it is `cached`. */
static PyObject *
decode_reusing(PyObject *cached, const char *p, Py_ssize_t n)
{
    if (cached != NULL && PyUnicode_IS_COMPACT_ASCII(cached) &&
        PyUnicode_GET_LENGTH(cached) == n && memcmp(PyUnicode_DATA(cached), p, (size_t)n) == 0) {
        return Py_NewRef(cached);
    }
    return PyUnicode_DecodeUTF8(p, n, "replace");
}

/* A comment: its text (one leading space removed) as a Comment among the items,
 * then to on_comment.  The text is a copy: `p` is not read after the callback. */
static int
comment(Decoder *self, const char *p, Py_ssize_t n, PyObject *out)
{
    PyObject *callback = self->on_comment;
    if (callback == NULL) { /* deleted: as reading the reference's slot */
        PyErr_SetString(PyExc_AttributeError, "on_comment");
        return -1;
    }
    if (!self->items && callback == Py_None) {
        return 0;
    }
    if (n > 0 && p[0] == ' ') {
        p++;
        n--;
    }
    PyObject *text = PyUnicode_DecodeUTF8(p, n, "replace");
    if (text == NULL) {
        return -1;
    }
    if (self->items) {
        PyObject *c = PyObject_CallOneArg(Comment_Type, text);
        if (c == NULL || PyList_Append(out, c) < 0) {
            Py_XDECREF(c);
            Py_DECREF(text);
            return -1;
        }
        Py_DECREF(c);
    }
    callback = self->on_comment; /* re-read: Comment() ran Python code */
    if (callback == NULL) {
        PyErr_SetString(PyExc_AttributeError, "on_comment");
        Py_DECREF(text);
        return -1;
    }
    if (callback != Py_None) {
        Py_INCREF(callback); /* the callback may replace itself */
        PyObject *r = PyObject_CallOneArg(callback, text);
        Py_DECREF(callback);
        if (r == NULL) {
            Py_DECREF(text);
            return -1;
        }
        Py_DECREF(r);
    }
    Py_DECREF(text);
    return 0;
}

/* retry: only ASCII digits, at most MAX_RETRY (2**63-1); else ignored. */
static int
retry_field(Decoder *self, const char *v, Py_ssize_t n)
{
    if (n == 0) {
        return 0;
    }
    unsigned long long value = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < '0' || c > '9') {
            return 0;
        }
        if (value > (9223372036854775807ULL - (c - '0')) / 10) {
            return 0; /* past MAX_RETRY: ignored (and keeps the loop from overflowing) */
        }
        value = value * 10 + (c - '0');
    }
    PyObject *r = PyLong_FromUnsignedLongLong(value);
    if (r == NULL) {
        return -1;
    }
    Py_XSETREF(self->block_retry, Py_NewRef(r));
    Py_XSETREF(self->retry, r);
    return 0;
}

/* Interpret one complete line (without its line end).  `from_line` says that
 * p is self->line's own buffer, which a big data value may then take over. */
static int
interpret(Decoder *self, const char *p, Py_ssize_t n, int from_line, PyObject *out)
{
    if (n == 0) {
        return dispatch(self, out);
    }
    if (p[0] == ':') {
        return comment(self, p + 1, n - 1, out);
    }
    /* The name is what precedes the first colon; one space after it is dropped. */
    const char *colon = memchr(p, ':', (size_t)n);
    Py_ssize_t name_len = colon ? colon - p : n;
    const char *v = colon ? colon + 1 : p + n;
    Py_ssize_t vlen = n - (v - p);
    if (vlen > 0 && v[0] == ' ') {
        v++;
        vlen--;
    }
    if (name_len == 4 && memcmp(p, "data", 4) == 0) {
        Buf *d = &self->data;
        if (self->max_event >= 0 && vlen + 1 > self->max_event - d->len) {
            return limit_error(self, "max_event_size", self->max_event_obj, d->len + vlen + 1,
                               out);
        }
        if (from_line && d->len == 0) {
            /* The block's first value, in the pending line's buffer: that buffer
             * becomes the data buffer (the value moved to its start, with room
             * for the LF where "data" was), so a big event is never held twice. */
            Buf spare = *d;
            Py_ssize_t skip = v - p;
            *d = self->line;
            self->line = spare;
            memmove(d->buf, d->buf + skip, (size_t)vlen);
            d->len = vlen;
        }
        else if (buf_reserve(d, vlen + 1) < 0) {
            return -1; /* (value and LF reserved at once: one exact first allocation) */
        }
        else {
            memcpy(d->buf + d->len, v, (size_t)vlen);
            d->len += vlen;
        }
        d->buf[d->len++] = '\n';
        return 0;
    }
    if (name_len == 5 && memcmp(p, "event", 5) == 0) {
        if (vlen == 0) {
            self->type_set = 0; /* an empty type is "message" */
            return 0;
        }
        PyObject *type = decode_reusing(self->event_type, v, vlen);
        if (type == NULL) {
            return -1;
        }
        if (type != self->event_type) {
            /* Interned, as the reference does: many parked decoders share one
             * copy of each event name. */
            PyUnicode_InternInPlace(&type);
        }
        Py_XSETREF(self->event_type, type);
        self->type_set = 1;
        return 0;
    }
    if (name_len == 2 && memcmp(p, "id", 2) == 0) {
        if (vlen > 0 && memchr(v, '\0', (size_t)vlen) != NULL) {
            return 0; /* an ID with NUL is ignored */
        }
        PyObject *id = decode_reusing(self->id_buffer, v, vlen);
        if (id == NULL) {
            return -1;
        }
        Py_SETREF(self->id_buffer, id);
        return 0;
    }
    if (name_len == 5 && memcmp(p, "retry", 5) == 0) {
        return retry_field(self, v, vlen);
    }
    return 0; /* any other field is ignored */
}

/* A complete line from anywhere: checked against max_line_size, then interpreted. */
static int
checked_line(Decoder *self, const char *p, Py_ssize_t n, int from_line, PyObject *out)
{
    if (self->max_line >= 0 && n > self->max_line) {
        return limit_error(self, "max_line_size", self->max_line_obj, n, out);
    }
    return interpret(self, p, n, from_line, out);
}

/* memchr, inline for a few bytes (a chunk of a trickling stream), where the call
 * costs more than the search. */
static inline const char *
find_byte(const char *p, Py_ssize_t n, char c)
{
    if (n > 16) {
        return memchr(p, c, (size_t)n);
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] == c) {
            return p + i;
        }
    }
    return NULL;
}

/* The first CR or LF in p[0:n], or NULL. */
static const char *
line_end(const char *p, Py_ssize_t n)
{
    const char *lf = memchr(p, '\n', (size_t)n);
    const char *cr = memchr(p, '\r', (size_t)(lf ? lf - p : n));
    return cr ? cr : lf;
}

/* line_end for a walk through a window: *cr is the window's next CR at or after
 * p (end when none), found once per CR, so that LF-only streams are scanned once
 * for CRs in all, not once per line. */
static const char *
next_line_end(const char *p, const char *end, const char **cr)
{
    if (*cr < p) {
        const char *found = find_byte(p, end - p, '\r');
        *cr = found ? found : end;
    }
    const char *lf = find_byte(p, *cr - p, '\n');
    if (lf != NULL) {
        return lf;
    }
    return *cr < end ? *cr : NULL;
}

/* Complete the pending line with p[0:n] and interpret it. */
static int
finish_pending(Decoder *self, const char *p, Py_ssize_t n, PyObject *out)
{
    Py_ssize_t size = self->line.len + n;
    if (self->max_line >= 0 && size > self->max_line) {
        return limit_error(self, "max_line_size", self->max_line_obj, size, out);
    }
    if (buf_append(&self->line, p, n) < 0) {
        return -1;
    }
    int rc = interpret(self, self->line.buf, self->line.len, 1, out);
    buf_clear(&self->line);
    return rc;
}

/* A chunk as fed: bytes (or a copy of a strided view), a bytearray (whose address
 * and size are read again at every use: a callback may resize it) or a buffer
 * held through the buffer protocol (a memoryview). */
typedef struct {
    PyObject *bytearray; /* NULL unless the chunk is one */
    const char *buf;     /* otherwise: its bytes */
    Py_ssize_t len;
} Chunk;

static void
chunk_now(const Chunk *c, const char **buf, Py_ssize_t *len)
{
    *buf = c->bytearray ? PyByteArray_AS_STRING(c->bytearray) : c->buf;
    *len = c->bytearray ? PyByteArray_GET_SIZE(c->bytearray) : c->len;
}

/* How many bytes of the chunk from `at` on still belong to the line in progress. */
static Py_ssize_t
line_rest(const Chunk *c, Py_ssize_t at)
{
    const char *buf;
    Py_ssize_t len;
    chunk_now(c, &buf, &len);
    if (at >= len) {
        return 0;
    }
    const char *e = line_end(buf + at, len - at);
    return e ? e - (buf + at) : len - at;
}

/* Read the window p[0:n] (n > 0) of `chunk`, whose bytes stay unchanged while
 * they are read (the chunk's own, or a copy); the chunk's bytes from `after` on
 * are only measured, to report a too-long line's length up to its end, as if
 * the chunk were read in one piece. */
static int
read_chunk(Decoder *self, const char *p, Py_ssize_t n, const Chunk *chunk, Py_ssize_t after,
           PyObject *out)
{
    const char *end = p + n;
    if (self->cr) {
        self->cr = 0;
        if (*p == '\n') {
            p++; /* the second half of a CRLF split between chunks */
        }
    }
    if (self->bom != BOM_DONE) {
        /* The stream's first bytes: one BOM is dropped, even when split. */
        while (p < end && self->bom < 3 && *p == BOM[self->bom]) {
            self->bom++;
            p++;
        }
        if (self->bom < 3 && p == end) {
            /* Undecided: the bytes matched so far are kept in `bom`; they count
             * as the pending line's (the reference keeps them there). */
            if (self->max_line >= 0 && self->bom > self->max_line) {
                return limit_error(self, "max_line_size", self->max_line_obj, self->bom, out);
            }
            return 0;
        }
        if (self->bom < 3 && buf_append(&self->line, BOM, self->bom) < 0) {
            return -1; /* (not a BOM: its matched bytes start the first line) */
        }
        self->bom = BOM_DONE;
    }
    /* Memory use and the line limit are kept for the pending line only; a line
     * that starts and ends in this chunk is read where it lies. */
    const char *cr = find_byte(p, end - p, '\r'); /* see next_line_end */
    if (cr == NULL) {
        cr = end;
    }
    while (p < end) {
        const char *e = next_line_end(p, end, &cr);
        if (e == NULL) {
            Py_ssize_t size = self->line.len + (end - p);
            if (self->max_line >= 0 && size > self->max_line) {
                size += line_rest(chunk, after);
                return limit_error(self, "max_line_size", self->max_line_obj, size, out);
            }
            return buf_append(&self->line, p, end - p);
        }
        int rc;
        if (self->line.len > 0) {
            rc = finish_pending(self, p, e - p, out);
        }
        else {
            rc = checked_line(self, p, e - p, 0, out);
        }
        if (rc < 0) {
            return -1;
        }
        p = e + 1;
        if (*e == '\r') {
            if (p == end) {
                self->cr = 1;
            }
            else if (*p == '\n') {
                p++;
            }
        }
    }
    return 0;
}

/* TypeError(format % type(value).__name__). */
static void
type_error(const char *format, PyObject *value)
{
    PyObject *name = PyType_GetName(Py_TYPE(value));
    if (name != NULL) {
        PyErr_Format(PyExc_TypeError, format, name);
        Py_DECREF(name);
    }
}

static const char STR_MESSAGE[] =
    "SSEDecoder.feed() takes bytes, bytearray or memoryview, not str: "
    "feed the raw response bytes (e.g. httpx's iter_bytes(), not iter_text())";

/* Enter a feed or close: refuse re-entry. */
static int
enter(Decoder *self)
{
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this SSEDecoder is already in use (a decoder must not be shared "
                        "between threads, nor fed from its own on_comment callback)");
        return -1;
    }
    self->busy = 1;
    return 0;
}

/* Feed one chunk, appending what it completes to `out` (an empty list the
 * caller owns; on an error, what the chunk completed is in the exception and
 * `out` is to be dropped, not reused: SSELimitError holds it as its items). */
static int
feed_into(Decoder *self, PyObject *arg, int items, PyObject *out)
{
    /* bytes first: the common case costs one flag test, not a subtype walk. */
    int is_bytes = PyBytes_CheckExact(arg);
    int is_bytearray = !is_bytes && PyByteArray_Check(arg);
    if (!is_bytes && !is_bytearray && !PyBytes_Check(arg) && !PyMemoryView_Check(arg)) {
        if (PyUnicode_Check(arg)) {
            PyErr_SetString(PyExc_TypeError, STR_MESSAGE);
        }
        else {
            type_error("SSEDecoder.feed() takes bytes, bytearray or memoryview, not %U", arg);
        }
        return -1;
    }
    if (enter(self) < 0) {
        return -1;
    }
    int rc = -1;
    PyObject *copy = NULL;
    Py_buffer view = {0};
    char *window = NULL;
    if (self->state != OPEN) {
        PyErr_SetString(ClosedError,
                        self->state == CLOSED
                            ? "this decoder is closed"
                            : "this decoder failed on an earlier error; create a new one");
        goto done;
    }
    if (!is_bytes && !is_bytearray && PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        /* Not contiguous (a strided memoryview): its bytes, copied, as the
         * reference's tobytes(); any other error (released) propagates. */
        if (!PyErr_ExceptionMatches(PyExc_BufferError)) {
            goto done;
        }
        PyErr_Clear();
        if ((copy = PyBytes_FromObject(arg)) == NULL) {
            goto done;
        }
        arg = copy;
    }
    self->items = (unsigned char)items;
    rc = 0;
    Chunk chunk = {NULL, NULL, 0};
    if (is_bytearray) {
        chunk.bytearray = arg;
    }
    else if (view.obj != NULL) {
        chunk.buf = view.buf;
        chunk.len = view.len;
    }
    else {
        chunk.buf = PyBytes_AS_STRING(arg);
        chunk.len = PyBytes_GET_SIZE(arg);
    }
    if (!is_bytearray && view.obj == NULL) { /* bytes: immutable, read in place */
        rc = chunk.len > 0 ? read_chunk(self, chunk.buf, chunk.len, &chunk, chunk.len, out) : 0;
    }
    else {
        const char *src;
        Py_ssize_t total, len;
        chunk_now(&chunk, &src, &total);
        window = PyMem_Malloc(total < WINDOW ? (size_t)total + 1 : WINDOW);
        if (window == NULL) {
            PyErr_NoMemory();
            rc = -1;
        }
        /* The windows are those of the chunk as it was given, as in the reference
         * (so m fits the window buffer: only windows after the first can see a
         * bytearray the callback resized, and then total >= WINDOW). */
        for (Py_ssize_t at = 0; rc == 0 && at < total; at += WINDOW) {
            chunk_now(&chunk, &src, &len);
            Py_ssize_t m = len - at < WINDOW ? len - at : WINDOW;
            if (m <= 0) {
                break; /* shrunk by the callback: nothing more to read */
            }
            memcpy(window, src + at, (size_t)m);
            rc = read_chunk(self, window, m, &chunk, at + m, out);
        }
    }
    if (rc < 0 && self->state == OPEN) {
        fail(self); /* an exception from on_comment, or no memory */
    }
done:
    if (window != NULL) { /* (a call saved for bytes, most chunks) */
        PyMem_Free(window);
    }
    if (view.obj != NULL) {
        PyBuffer_Release(&view);
    }
    Py_XDECREF(copy);
    self->busy = 0;
    return rc;
}

static PyObject *
do_feed(Decoder *self, PyObject *arg, int items)
{
    PyObject *out = PyList_New(0);
    if (out != NULL && feed_into(self, arg, items, out) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

/* End the stream, appending what that completes to `out` (as feed_into). */
static int
close_into(Decoder *self, int items, PyObject *out)
{
    if (self->state != OPEN) {
        return 0;
    }
    if (enter(self) < 0) {
        return -1;
    }
    int rc = 0, lenient = 0;
    self->items = (unsigned char)items;
    if (self->dispatch_on_close == NULL) {
        PyErr_SetString(PyExc_AttributeError, "dispatch_on_close");
        rc = -1;
    }
    if (rc == 0) {
        rc = lenient = PyObject_IsTrue(self->dispatch_on_close);
    }
    if (lenient > 0) {
        /* The unterminated tail (or undecided BOM bytes) is a line, then a blank
         * line ends the block. */
        rc = 0;
        if (self->bom != BOM_DONE && self->bom > 0) {
            rc = checked_line(self, BOM, self->bom, 0, out);
        }
        else if (self->line.len > 0) {
            rc = checked_line(self, self->line.buf, self->line.len, 1, out);
        }
        if (rc == 0) {
            rc = dispatch(self, out);
        }
    }
    if (rc < 0) {
        if (self->state == OPEN) {
            fail(self); /* as after any error in a call */
        }
    }
    else {
        self->state = CLOSED;
        drop_buffers(self);
    }
    self->busy = 0;
    return rc < 0 ? -1 : 0;
}

static PyObject *
do_close(Decoder *self, int items)
{
    PyObject *out = PyList_New(0);
    if (out != NULL && close_into(self, items, out) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

/* -- limits and seeding ---------------------------------------------------- */

/* Check a limit (an exact int >= 0 or None) and store it. */
static int
set_limit(PyObject **obj, Py_ssize_t *value, PyObject *limit, const char *name)
{
    if (limit == NULL) {
        PyErr_Format(PyExc_AttributeError, "cannot delete %s", name);
        return -1;
    }
    Py_ssize_t v = -1;
    if (limit != Py_None) {
        int ok = PyLong_CheckExact(limit);
        if (ok) {
            int overflow;
            long long ll = PyLong_AsLongLongAndOverflow(limit, &overflow);
            if (ll == -1 && PyErr_Occurred()) {
                return -1;
            }
            ok = overflow > 0 || (overflow == 0 && ll >= 0);
            v = (overflow > 0 || ll > PY_SSIZE_T_MAX) ? PY_SSIZE_T_MAX : (Py_ssize_t)ll;
        }
        if (!ok) {
            PyErr_Format(PyExc_ValueError, "%s must be a non-negative int or None, not %R", name,
                         limit);
            return -1;
        }
    }
    Py_XSETREF(*obj, Py_NewRef(limit));
    *value = v;
    return 0;
}

/* Seed the last event ID (and the ID buffer, so that the next event carries it). */
static int
set_last_event_id(Decoder *self, PyObject *value)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete last_event_id");
        return -1;
    }
    if (!PyUnicode_Check(value)) {
        type_error("last_event_id must be a str, not %U", value);
        return -1;
    }
    /* A subclass is taken at its plain string value (its __str__ is not asked). */
    PyObject *id = PyUnicode_FromObject(value);
    if (id == NULL) {
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(id);
    if (PyUnicode_FindChar(id, 0, 0, n, 1) != -1 || PyUnicode_FindChar(id, '\r', 0, n, 1) != -1 ||
        PyUnicode_FindChar(id, '\n', 0, n, 1) != -1) {
        PyErr_SetString(PyExc_ValueError,
                        "last_event_id cannot hold NUL, CR or LF: no stream could set it");
        Py_DECREF(id);
        return -1;
    }
    Py_INCREF(id);
    Py_SETREF(self->id_buffer, id);
    Py_SETREF(self->last_event_id, id);
    return 0;
}

/* -- the type's slots ------------------------------------------------------ */

static PyObject *
Decoder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    Decoder *self = (Decoder *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    /* A usable decoder even if a subclass never calls __init__. */
    self->max_line_obj = Py_NewRef(DefaultMaxLine);
    self->max_event_obj = Py_NewRef(DefaultMaxEvent);
    self->max_line = PyLong_AsSsize_t(DefaultMaxLine);
    self->max_event = PyLong_AsSsize_t(DefaultMaxEvent);
    self->dispatch_on_close = Py_NewRef(Py_False);
    self->on_comment = Py_NewRef(Py_None);
    self->retry = Py_NewRef(Py_None);
    self->last_event_id = Py_NewRef(Str_empty);
    self->id_buffer = Py_NewRef(Str_empty);
    return (PyObject *)self;
}

static int
Decoder_init(Decoder *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"max_line_size", "max_event_size", "dispatch_on_close",
                             "on_comment", "last_event_id", NULL};
    PyObject *max_line = DefaultMaxLine, *max_event = DefaultMaxEvent;
    PyObject *lenient = Py_False, *on_comment = Py_None, *last_id = Str_empty;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$OOOOO:SSEDecoder", kwlist, &max_line,
                                     &max_event, &lenient, &on_comment, &last_id)) {
        return -1;
    }
    if (self->busy) { /* __init__ again from on_comment */
        return enter(self);
    }
    if (set_limit(&self->max_line_obj, &self->max_line, max_line, "max_line_size") < 0 ||
        set_limit(&self->max_event_obj, &self->max_event, max_event, "max_event_size") < 0 ||
        set_last_event_id(self, last_id) < 0) {
        return -1;
    }
    Py_XSETREF(self->dispatch_on_close, Py_NewRef(lenient));
    Py_XSETREF(self->on_comment, Py_NewRef(on_comment));
    Py_XSETREF(self->retry, Py_NewRef(Py_None));
    Py_CLEAR(self->event_type);
    drop_buffers(self);
    self->state = OPEN;
    self->bom = 0;
    self->cr = 0;
    return 0;
}

/* (The type is static, so it is not visited here nor released in dealloc: for
 * an instance of a Python subclass, CPython's subtype_traverse and
 * subtype_dealloc do that.) */
static int
Decoder_traverse(Decoder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->max_line_obj);
    Py_VISIT(self->max_event_obj);
    Py_VISIT(self->dispatch_on_close);
    Py_VISIT(self->on_comment);
    Py_VISIT(self->retry);
    Py_VISIT(self->last_event_id);
    Py_VISIT(self->id_buffer);
    Py_VISIT(self->event_type);
    Py_VISIT(self->block_retry);
    return 0;
}

static int
Decoder_clear(Decoder *self)
{
    /* Only what can take part in a cycle; the str and int fields stay valid. */
    Py_CLEAR(self->dispatch_on_close);
    Py_CLEAR(self->on_comment);
    Py_CLEAR(self->retry);
    return 0;
}

static void
Decoder_dealloc(Decoder *self)
{
    PyObject_GC_UnTrack(self);
    Decoder_clear(self);
    Py_CLEAR(self->max_line_obj);
    Py_CLEAR(self->max_event_obj);
    Py_CLEAR(self->last_event_id);
    Py_CLEAR(self->id_buffer);
    Py_CLEAR(self->event_type);
    Py_CLEAR(self->block_retry);
    buf_free(&self->line);
    buf_free(&self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyDoc_STRVAR(feed_doc,
"feed(data, /)\n--\n\n"
"Feed the next chunk of the stream; return the events it completed.\n\n"
"Any chunk size works.  Raises TypeError for str (feed bytes), SSELimitError\n"
"when a limit is exceeded, SSEDecoderClosedError after close or a failure,\n"
"RuntimeError when the decoder is already in a call (re-entry, threads).");

static PyObject *
Decoder_feed(Decoder *self, PyObject *data)
{
    return do_feed(self, data, 0);
}

PyDoc_STRVAR(feed_items_doc,
"feed_items(data, /)\n--\n\n"
"Like feed(), but also return comments (Comment objects), in stream order.");

static PyObject *
Decoder_feed_items(Decoder *self, PyObject *data)
{
    return do_feed(self, data, 1);
}

PyDoc_STRVAR(close_doc,
"close()\n--\n\n"
"End the stream and return what it completed: [] unless dispatch_on_close is\n"
"set.  Calling it again, or after a failure, returns [].  Raises SSELimitError\n"
"as feed does, and RuntimeError on re-entry.");

static PyObject *
Decoder_close(Decoder *self, PyObject *Py_UNUSED(ignored))
{
    return do_close(self, 0);
}

PyDoc_STRVAR(close_items_doc,
"close_items()\n--\n\n"
"Like close(), but also return comments (see feed_items).");

static PyObject *
Decoder_close_items(Decoder *self, PyObject *Py_UNUSED(ignored))
{
    return do_close(self, 1);
}

static PyObject *
Decoder_sizeof(Decoder *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(Py_TYPE(self)->tp_basicsize + self->line.cap + self->data.cap);
}

static PyMethodDef Decoder_methods[] = {
    {"feed", (PyCFunction)Decoder_feed, METH_O, feed_doc},
    {"feed_items", (PyCFunction)Decoder_feed_items, METH_O, feed_items_doc},
    {"close", (PyCFunction)Decoder_close, METH_NOARGS, close_doc},
    {"close_items", (PyCFunction)Decoder_close_items, METH_NOARGS, close_items_doc},
    {"__sizeof__", (PyCFunction)Decoder_sizeof, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Decoder_members[] = {
    {"retry", T_OBJECT_EX, offsetof(Decoder, retry), 0,
     "The reconnection time (ms) from the last valid retry field, or None."},
    {"dispatch_on_close", T_OBJECT_EX, offsetof(Decoder, dispatch_on_close), 0,
     "Whether close() dispatches an unterminated event."},
    {"on_comment", T_OBJECT_EX, offsetof(Decoder, on_comment), 0,
     "Called with each comment's text during feed/close, or None."},
    {NULL, 0, 0, 0, NULL},
};

static PyObject *
get_max_line(Decoder *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->max_line_obj);
}

static int
put_max_line(Decoder *self, PyObject *value, void *Py_UNUSED(closure))
{
    return set_limit(&self->max_line_obj, &self->max_line, value, "max_line_size");
}

static PyObject *
get_max_event(Decoder *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->max_event_obj);
}

static int
put_max_event(Decoder *self, PyObject *value, void *Py_UNUSED(closure))
{
    return set_limit(&self->max_event_obj, &self->max_event, value, "max_event_size");
}

static PyObject *
get_last_event_id(Decoder *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->last_event_id);
}

static int
put_last_event_id(Decoder *self, PyObject *value, void *Py_UNUSED(closure))
{
    return set_last_event_id(self, value);
}

static PyGetSetDef Decoder_getset[] = {
    {"max_line_size", (getter)get_max_line, (setter)put_max_line,
     "The bound on one line, in bytes (None: no bound); may be changed.", NULL},
    {"max_event_size", (getter)get_max_event, (setter)put_max_event,
     "The bound on one event's data, in bytes (None: no bound); may be changed.", NULL},
    {"last_event_id", (getter)get_last_event_id, (setter)put_last_event_id,
     "The stream's last event ID; setting it seeds the ID of the next events.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Decoder_doc,
"SSEDecoder(*, max_line_size=DEFAULT_MAX_LINE_SIZE, max_event_size=DEFAULT_MAX_EVENT_SIZE,\n"
"           dispatch_on_close=False, on_comment=None, last_event_id='')\n--\n\n"
"Incremental, sans-I/O decoder for text/event-stream bytes, compiled.\n\n"
"The same behaviour and API as sse_codec._decoder.SSEDecoder (see its docstring).\n"
"Raises ValueError for a limit that is not an int >= 0 or None, TypeError for a\n"
"last_event_id that is not a str, ValueError for one with NUL, CR or LF.  Not to\n"
"be shared between threads: a second call while one runs raises RuntimeError.");

static PyTypeObject Decoder_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sse_codec._cdecoder.SSEDecoder",
    .tp_basicsize = sizeof(Decoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = Decoder_doc,
    .tp_new = Decoder_new,
    .tp_init = (initproc)Decoder_init,
    .tp_dealloc = (destructor)Decoder_dealloc,
    .tp_free = PyObject_GC_Del,
    .tp_traverse = (traverseproc)Decoder_traverse,
    .tp_clear = (inquiry)Decoder_clear,
    .tp_methods = Decoder_methods,
    .tp_members = Decoder_members,
    .tp_getset = Decoder_getset,
};

/* -- iter_events over the compiled decoder --------------------------------- */

/* What sse_codec.iter_events returns for a compiled decoder whose feed and close
 * are not overridden: the loop `for chunk in chunks: yield from feed(chunk)`,
 * then `yield from close()`, without a Python frame, a method call and a new
 * list for every chunk (in small chunks, most of the time went there).  It
 * behaves as that generator does: nothing is read before the first next(), an
 * exception from the chunks or the decoder ends the iteration, and a re-entrant
 * next() (from the chunks' iterator or on_comment) raises ValueError. */
typedef struct {
    PyObject_HEAD
    Decoder *decoder;
    PyObject *chunks;  /* the iterable until the first next(), then its iterator;
                          NULL when the chunks ran out, failed or were closed */
    PyObject *pending; /* the events of the last chunk; reused while it empties */
    Py_ssize_t next;   /* index of the next event in pending to return */
    unsigned char started, running;
} EventIter;

/* The end of the iteration: nothing more is read or returned. */
static void
events_finish(EventIter *it)
{
    Py_CLEAR(it->chunks);
    Py_CLEAR(it->pending);
    it->next = 0;
}

/* Read the next chunk (or the end) into `pending`, which is empty and ours. */
static int
events_refill(EventIter *it)
{
    if (!it->started) {
        it->started = 1;
        Py_SETREF(it->chunks, PyObject_GetIter(it->chunks));
        if (it->chunks == NULL) {
            return -1;
        }
    }
    PyObject *chunk = PyIter_Next(it->chunks);
    if (chunk == NULL) {
        if (PyErr_Occurred()) {
            return -1;
        }
        Py_CLEAR(it->chunks); /* after close(), nothing more is read */
        return close_into(it->decoder, 0, it->pending);
    }
    int rc = feed_into(it->decoder, chunk, 0, it->pending);
    Py_DECREF(chunk);
    return rc;
}

static PyObject *
EventIter_next(EventIter *it)
{
    if (it->running) {
        PyErr_SetString(PyExc_ValueError, "iter_events() iterator already executing");
        return NULL;
    }
    for (;;) {
        if (it->pending == NULL) {
            return NULL; /* finished */
        }
        Py_ssize_t n = PyList_GET_SIZE(it->pending);
        if (it->next < n) {
            return Py_NewRef(PyList_GET_ITEM(it->pending, it->next++));
        }
        if (it->chunks == NULL) {
            events_finish(it);
            return NULL;
        }
        /* Empty the list for the next chunk (its events are plain values: no
         * Python code runs when the list lets go of them). */
        if (n > 0 && PyList_SetSlice(it->pending, 0, n, NULL) < 0) {
            events_finish(it);
            return NULL;
        }
        it->next = 0;
        it->running = 1;
        int rc = events_refill(it);
        it->running = 0;
        if (rc < 0) {
            /* The exception holds what the chunk completed; the list is its now. */
            events_finish(it);
            return NULL;
        }
    }
}

PyDoc_STRVAR(EventIter_close_doc,
"close()\n--\n\n"
"Stop the iteration, as a generator's close() does: let go of the chunks'\n"
"iterator (the decoder is not closed).");

static PyObject *
EventIter_close(EventIter *it, PyObject *Py_UNUSED(ignored))
{
    if (it->running) {
        PyErr_SetString(PyExc_ValueError, "iter_events() iterator already executing");
        return NULL;
    }
    events_finish(it);
    Py_RETURN_NONE;
}

static int
EventIter_traverse(EventIter *it, visitproc visit, void *arg)
{
    Py_VISIT(it->decoder);
    Py_VISIT(it->chunks);
    return 0; /* pending holds events only: plain values, untracked */
}

static int
EventIter_clear(EventIter *it)
{
    Py_CLEAR(it->decoder);
    Py_CLEAR(it->chunks);
    return 0;
}

static void
EventIter_dealloc(EventIter *it)
{
    PyObject_GC_UnTrack(it);
    EventIter_clear(it);
    Py_CLEAR(it->pending);
    PyObject_GC_Del(it);
}

static PyMethodDef EventIter_methods[] = {
    {"close", (PyCFunction)EventIter_close, METH_NOARGS, EventIter_close_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject EventIter_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sse_codec._cdecoder.EventIterator",
    .tp_basicsize = sizeof(EventIter),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The events of a chunk iterable, through a compiled decoder (see iter_events).",
    .tp_dealloc = (destructor)EventIter_dealloc,
    .tp_traverse = (traverseproc)EventIter_traverse,
    .tp_clear = (inquiry)EventIter_clear,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)EventIter_next,
    .tp_methods = EventIter_methods,
};

PyDoc_STRVAR(iter_events_doc,
"iter_events(chunks, decoder, /)\n--\n\n"
"An iterator over the events of the byte chunks, fed to decoder (a compiled\n"
"SSEDecoder, closed when the chunks run out).  sse_codec.iter_events uses it\n"
"when the decoder's feed and close are this module's own.  Raises TypeError\n"
"for a decoder of another type; next() raises what feed and close raise.");

static PyObject *
iter_events(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "iter_events() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyObject_TypeCheck(args[1], &Decoder_Type)) {
        type_error("iter_events() needs a compiled SSEDecoder, not %U", args[1]);
        return NULL;
    }
    EventIter *it = PyObject_GC_New(EventIter, &EventIter_Type);
    if (it == NULL) {
        return NULL;
    }
    it->decoder = (Decoder *)Py_NewRef(args[1]);
    it->chunks = Py_NewRef(args[0]);
    it->next = 0;
    it->started = it->running = 0;
    it->pending = PyList_New(0);
    if (it->pending == NULL) {
        Py_DECREF(it);
        return NULL;
    }
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyMethodDef module_functions[] = {
    {"iter_events", (PyCFunction)(void (*)(void))iter_events, METH_FASTCALL, iter_events_doc},
    {NULL, NULL, 0, NULL},
};

/* -- module init ----------------------------------------------------------- */

/* The offset of ServerSentEvent's slot `name`, after checking that it is a
 * plain object slot of that very type (a member descriptor, inside the object):
 * what the event-filling code above relies on.  -1 with ImportError if not. */
static Py_ssize_t
event_slot_offset(const char *name)
{
    PyObject *descr = PyDict_GetItemString(Event_Type->tp_dict, name); /* borrowed */
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_ImportError, "ServerSentEvent.%s is not a slot", name);
        return -1;
    }
    PyMemberDescrObject *m = (PyMemberDescrObject *)descr;
    Py_ssize_t off = m->d_member->offset;
    if (m->d_common.d_type != Event_Type || m->d_member->type != T_OBJECT_EX ||
        off < (Py_ssize_t)sizeof(PyObject) ||
        off > Event_Type->tp_basicsize - (Py_ssize_t)sizeof(PyObject *) ||
        off % (Py_ssize_t)sizeof(PyObject *) != 0) {
        PyErr_Format(PyExc_ImportError, "ServerSentEvent.%s has an unexpected layout", name);
        return -1;
    }
    return off;
}

static PyObject *
import_attr(const char *module, const char *name)
{
    PyObject *mod = PyImport_ImportModule(module);
    if (mod == NULL) {
        return NULL;
    }
    PyObject *attr = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    return attr;
}

static struct PyModuleDef cdecoder_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sse_codec._cdecoder",
    .m_doc = "SSEDecoder compiled: the behaviour of sse_codec._decoder.SSEDecoder, in C.",
    .m_size = -1,
    .m_methods = module_functions,
};

PyMODINIT_FUNC
PyInit__cdecoder(void)
{
    PyObject *event_type = import_attr("sse_codec._event", "ServerSentEvent");
    if (event_type == NULL) {
        return NULL;
    }
    if (!PyType_Check(event_type) || ((PyTypeObject *)event_type)->tp_itemsize != 0) {
        Py_DECREF(event_type);
        PyErr_SetString(PyExc_ImportError, "ServerSentEvent is not a fixed-size class");
        return NULL;
    }
    Event_Type = (PyTypeObject *)event_type;
    /* Exactly four object slots and nothing else (no __dict__, no __weakref__), so
     * that make_event fills every field an instance has. */
    if (Event_Type->tp_basicsize != (Py_ssize_t)(sizeof(PyObject) + 4 * sizeof(PyObject *)) ||
        Event_Type->tp_dictoffset != 0 || Event_Type->tp_weaklistoffset != 0) {
        PyErr_SetString(PyExc_ImportError, "ServerSentEvent is not four slots");
        return NULL;
    }
    if ((Off_event = event_slot_offset("event")) < 0 ||
        (Off_data = event_slot_offset("data")) < 0 || (Off_id = event_slot_offset("id")) < 0 ||
        (Off_retry = event_slot_offset("retry")) < 0 ||
        (Comment_Type = import_attr("sse_codec._event", "Comment")) == NULL ||
        (LimitError = import_attr("sse_codec._errors", "SSELimitError")) == NULL ||
        (ClosedError = import_attr("sse_codec._errors", "SSEDecoderClosedError")) == NULL ||
        (DefaultMaxLine = import_attr("sse_codec._constants", "DEFAULT_MAX_LINE_SIZE")) == NULL ||
        (DefaultMaxEvent = import_attr("sse_codec._constants", "DEFAULT_MAX_EVENT_SIZE")) == NULL ||
        (Str_message = PyUnicode_InternFromString("message")) == NULL ||
        (Str_empty = PyUnicode_FromStringAndSize("", 0)) == NULL) {
        return NULL;
    }
    if (!PyLong_CheckExact(DefaultMaxLine) || !PyLong_CheckExact(DefaultMaxEvent) ||
        PyLong_AsSsize_t(DefaultMaxLine) < 0 || PyLong_AsSsize_t(DefaultMaxEvent) < 0) {
        PyErr_SetString(PyExc_ImportError, "the default limits are not small ints");
        return NULL;
    }
    if (PyType_Ready(&Decoder_Type) < 0 || PyType_Ready(&EventIter_Type) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&cdecoder_module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "SSEDecoder", (PyObject *)&Decoder_Type) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
