/*
 * OTLP ExportTraceServiceRequest (protobuf bytes) -> Arrow column buffers of the `records` table.
 *
 * Why C: the pure-Python conversion creates a Python object per attribute value and costs ~20 us per
 * span; it sets the ingest ceiling (shared/reference/measured.md). This walks the protobuf wire format
 * once and writes the Arrow buffers directly.
 *
 * Scope: the common spans only. It mirrors hearth_ingest.otlp.records._convert_spans exactly for spans
 * that are "simple"; every other span is reported back as "complex" and converted by that Python code,
 * so there is one definition of the mapping rules and this file is an accelerator of it. Complex spans:
 * events or links; a start outside the window or invalid ids (rejections are counted in Python); a
 * kvlist or bytes attribute, nested arrays, duplicate keys; a logfire.* attribute of an unusable type
 * (Python moves those to the end of the attributes); attributes JSON over the 10 MB limit. Anything
 * unusual in the wire format itself (wrong wire types, groups, a singular message sent twice, invalid
 * UTF-8, truncation) returns None: the caller converts the whole request in Python.
 *
 * JSON output is byte-identical to orjson.dumps of the Python dict (escaping verified by tests);
 * doubles are formatted by calling orjson itself, JSON-schema values are validated by orjson.loads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_NAME_BYTES 512
#define MAX_ATTRIBUTES_BYTES 10000000
#define LEVEL_ERROR 17
#define LEVEL_INFO 9
#define STATUS_ERROR 2

/* ------------------------------------------------------------------ growable buffers */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *data = PyMem_Realloc(b->data, cap);
    if (!data) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline int buf_put(Buf *b, const void *p, size_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static inline int buf_putc(Buf *b, uint8_t c) {
    if (b->len == b->cap && buf_reserve(b, 1) < 0) return -1;
    b->data[b->len++] = c;
    return 0;
}

static void buf_free(Buf *b) {
    PyMem_Free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* A validity bitmap (Arrow: bit set = value present), plus its null count. */
typedef struct {
    Buf bits;
    int64_t rows, nulls;
} Validity;

static inline int validity_append(Validity *v, int valid) {
    if ((v->rows & 7) == 0 && buf_putc(&v->bits, 0) < 0) return -1;
    if (valid)
        v->bits.data[v->rows >> 3] |= (uint8_t)(1u << (v->rows & 7));
    else
        v->nulls++;
    v->rows++;
    return 0;
}

/* A nullable Arrow utf8 column: int32 offsets, data, validity. */
typedef struct {
    Buf offsets, data;
    Validity validity;
} StrCol;

static int strcol_init(StrCol *c) {
    int32_t zero = 0;
    return buf_put(&c->offsets, &zero, 4);
}

static inline int strcol_end_row(StrCol *c, int valid) {
    if (c->data.len > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "column data over 2 GiB in one request");
        return -1;
    }
    int32_t end = (int32_t)c->data.len;
    if (buf_put(&c->offsets, &end, 4) < 0) return -1;
    return validity_append(&c->validity, valid);
}

static inline int strcol_append(StrCol *c, const uint8_t *p, size_t n) {
    if (buf_put(&c->data, p, n) < 0) return -1;
    return strcol_end_row(c, 1);
}

static inline int strcol_null(StrCol *c) { return strcol_end_row(c, 0); }

static void strcol_free(StrCol *c) {
    buf_free(&c->offsets);
    buf_free(&c->data);
    buf_free(&c->validity.bits);
}

/* ------------------------------------------------------------------ UTF-8 */

/* Strict UTF-8 (as Python's decoder: no overlongs, no surrogates, nothing past U+10FFFF). */
static int utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        /* ASCII runs 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n) return 0;
            uint8_t c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
            if (c == 0xE0 && c1 < 0xA0) return 0; /* overlong */
            if (c == 0xED && c1 >= 0xA0) return 0; /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n) return 0;
            uint8_t c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80) return 0;
            if (c == 0xF0 && c1 < 0x90) return 0; /* overlong */
            if (c == 0xF4 && c1 >= 0x90) return 0; /* past U+10FFFF */
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The length of the longest prefix of valid UTF-8 `s` within `max` bytes, cut between characters. */
static size_t utf8_cut(const uint8_t *s, size_t n, size_t max) {
    if (n <= max) return n;
    size_t cut = max;
    while (cut > 0 && (s[cut] & 0xC0) == 0x80) cut--;
    return cut;
}

/* ------------------------------------------------------------------ protobuf wire format */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

typedef struct {
    const uint8_t *p, *end;
} Reader;

static int read_varint_slow(Reader *r, uint64_t *out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return 0;
        uint8_t byte = *r->p++;
        value |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return 1;
        }
    }
    return 0; /* more than 10 bytes */
}

static inline int read_varint(Reader *r, uint64_t *out) {
    /* tags, lengths and most values are one byte */
    if (r->p < r->end && *r->p < 0x80) {
        *out = *r->p++;
        return 1;
    }
    return read_varint_slow(r, out);
}

/* The next field's number and wire type; 0 at the end, -1 on malformed input. */
static inline int next_field(Reader *r, uint32_t *field, uint32_t *wire_type) {
    if (r->p >= r->end) return 0;
    uint64_t tag;
    if (!read_varint(r, &tag)) return -1;
    *field = (uint32_t)(tag >> 3);
    *wire_type = (uint32_t)(tag & 7);
    if (*field == 0 || (tag >> 3) > 0x1FFFFFFF) return -1;
    return 1;
}

static inline int read_len(Reader *r, Reader *sub) {
    uint64_t n;
    if (!read_varint(r, &n) || n > (uint64_t)(r->end - r->p)) return 0;
    sub->p = r->p;
    sub->end = r->p + n;
    r->p += n;
    return 1;
}

static inline int read_fixed64(Reader *r, uint64_t *out) {
    if (r->end - r->p < 8) return 0;
    memcpy(out, r->p, 8); /* little-endian machines only (x86-64, arm64) */
    r->p += 8;
    return 1;
}

static int skip_field(Reader *r, uint32_t wire_type) {
    uint64_t ignored;
    Reader sub;
    switch (wire_type) {
    case WT_VARINT: return read_varint(r, &ignored);
    case WT_I64:
        if (r->end - r->p < 8) return 0;
        r->p += 8;
        return 1;
    case WT_LEN: return read_len(r, &sub);
    case WT_I32:
        if (r->end - r->p < 4) return 0;
        r->p += 4;
        return 1;
    default: return 0; /* groups: never sent by OTLP exporters; the Python path decides */
    }
}

/* ------------------------------------------------------------------ attributes */

enum { V_NULL, V_STR, V_INT, V_BOOL, V_DOUBLE, V_ARRAY, V_OTHER };

typedef struct {
    const uint8_t *key;
    size_t key_len;
    int type;
    const uint8_t *s; /* string text, or the ArrayValue message */
    size_t s_len;
    int64_t i;
    double d;
    uint8_t removed;  /* popped into a column */
    uint8_t fragment; /* JSON-decoded per logfire.json_schema: emitted as the raw text */
} Attr;

/* Result codes of the parsing helpers. */
#define OK 0
#define COMPLEX 1 /* this span goes to Python */
#define BAIL 2    /* the whole request goes to Python */
#define FAIL -1   /* a Python exception is set */

/* One AnyValue: the oneof's last field wins (as protobuf parses it). */
static int parse_any_value(Reader r, Attr *a) {
    uint32_t field, wt;
    int got;
    a->type = V_NULL;
    a->fragment = a->removed = 0;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        uint64_t v;
        switch (field) {
        case 1:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (!utf8_valid(sub.p, (size_t)(sub.end - sub.p))) return BAIL;
            a->type = V_STR;
            a->s = sub.p;
            a->s_len = (size_t)(sub.end - sub.p);
            break;
        case 2:
            if (wt != WT_VARINT || !read_varint(&r, &v)) return BAIL;
            a->type = V_BOOL;
            a->i = v != 0;
            break;
        case 3:
            if (wt != WT_VARINT || !read_varint(&r, &v)) return BAIL;
            a->type = V_INT;
            a->i = (int64_t)v;
            break;
        case 4:
            if (wt != WT_I64 || !read_fixed64(&r, &v)) return BAIL;
            a->type = V_DOUBLE;
            memcpy(&a->d, &v, 8);
            break;
        case 5:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            a->type = V_ARRAY;
            a->s = sub.p;
            a->s_len = (size_t)(sub.end - sub.p);
            break;
        case 6:
        case 7:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            a->type = V_OTHER; /* kvlist, bytes: Python */
            break;
        default:
            if (!skip_field(&r, wt)) return BAIL;
        }
    }
    return got < 0 ? BAIL : OK;
}

/* Checks an ArrayValue holds only scalars (the arrays this file writes); COMPLEX otherwise. */
static int check_array(const Attr *array, int strings_only) {
    Reader r = {array->s, array->s + array->s_len};
    uint32_t field, wt;
    int got;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        if (field != 1) {
            if (!skip_field(&r, wt)) return BAIL;
            continue;
        }
        Reader sub;
        if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
        Attr item;
        int rc = parse_any_value(sub, &item);
        if (rc != OK) return rc;
        if (item.type == V_ARRAY || item.type == V_OTHER) return COMPLEX;
        if (strings_only && item.type != V_STR) return COMPLEX;
    }
    return got < 0 ? BAIL : OK;
}

static int parse_key_value(Reader r, Attr *a) {
    uint32_t field, wt;
    int got, value_seen = 0;
    a->key = (const uint8_t *)"";
    a->key_len = 0;
    a->type = V_NULL;
    a->removed = a->fragment = 0;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        if (field == 1) {
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (!utf8_valid(sub.p, (size_t)(sub.end - sub.p))) return BAIL;
            a->key = sub.p;
            a->key_len = (size_t)(sub.end - sub.p);
        } else if (field == 2) {
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (value_seen++) return BAIL; /* a singular message sent twice merges: Python */
            int rc = parse_any_value(sub, a);
            if (rc != OK) return rc;
        } else if (!skip_field(&r, wt)) {
            return BAIL;
        }
    }
    if (got < 0) return BAIL;
    if (a->type == V_ARRAY) return check_array(a, 0);
    return a->type == V_OTHER ? COMPLEX : OK;
}

/* ------------------------------------------------------------------ JSON writing (as orjson) */

static const char HEX[] = "0123456789abcdef";

/* 1 for the bytes JSON strings escape: control characters, '"' and '\\' */
static const uint8_t NEEDS_ESCAPE[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

static int json_string(Buf *b, const uint8_t *s, size_t n) {
    if (buf_reserve(b, n + 2) < 0) return -1;
    b->data[b->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (!NEEDS_ESCAPE[c]) continue;
        if (buf_put(b, s + run, i - run) < 0) return -1;
        run = i + 1;
        char esc[6];
        size_t len = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\t': esc[1] = 't'; break;
        case '\n': esc[1] = 'n'; break;
        case '\f': esc[1] = 'f'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = HEX[c >> 4];
            esc[5] = HEX[c & 15];
            len = 6;
        }
        if (buf_put(b, esc, len) < 0) return -1;
    }
    if (buf_put(b, s + run, n - run) < 0) return -1;
    return buf_putc(b, '"');
}

/* Decimal digits of `v` written backwards from `end`; returns where they start. */
static char *format_int(int64_t v, char *end) {
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--end = '-';
    return end;
}

static int json_int(Buf *b, int64_t v) {
    char text[24];
    char *start = format_int(v, text + sizeof text);
    return buf_put(b, start, (size_t)(text + sizeof text - start));
}

static PyObject *orjson_dumps, *orjson_loads, *json_decode_error, *schema_keys_of;

/* Doubles are spelled by orjson itself (its shortest round-trip format; NaN/inf as null). */
static int json_double(Buf *b, double d) {
    PyObject *number = PyFloat_FromDouble(d);
    if (!number) return -1;
    PyObject *text = PyObject_CallOneArg(orjson_dumps, number);
    Py_DECREF(number);
    if (!text) return -1;
    int rc = buf_put(b, PyBytes_AS_STRING(text), (size_t)PyBytes_GET_SIZE(text));
    Py_DECREF(text);
    return rc;
}

static int json_value(Buf *b, const Attr *a);

static int json_array(Buf *b, const Attr *array) {
    Reader r = {array->s, array->s + array->s_len};
    uint32_t field, wt;
    int first = 1;
    if (buf_putc(b, '[') < 0) return -1;
    while (next_field(&r, &field, &wt) == 1) {
        if (field != 1) {
            skip_field(&r, wt); /* checked by check_array */
            continue;
        }
        Reader sub;
        read_len(&r, &sub);
        Attr item;
        parse_any_value(sub, &item);
        if (!first && buf_putc(b, ',') < 0) return -1;
        first = 0;
        if (json_value(b, &item) < 0) return -1;
    }
    return buf_putc(b, ']');
}

static int json_value(Buf *b, const Attr *a) {
    if (a->fragment) return buf_put(b, a->s, a->s_len);
    switch (a->type) {
    case V_STR: return json_string(b, a->s, a->s_len);
    case V_INT: return json_int(b, a->i);
    case V_BOOL: return a->i ? buf_put(b, "true", 4) : buf_put(b, "false", 5);
    case V_DOUBLE: return json_double(b, a->d);
    case V_ARRAY: return json_array(b, a);
    default: return buf_put(b, "null", 4);
    }
}

/* ------------------------------------------------------------------ logfire.json_schema keys */

/* The keys logfire.json_schema marks as JSON, from the Python helper (which caches by schema text);
   memoised here per request by the schema's bytes, as a service sends a handful of schemas. */
typedef struct {
    const uint8_t *schema;
    size_t schema_len;
    PyObject *keys; /* tuple of str */
} SchemaEntry;

#define SCHEMA_SLOTS 64

typedef struct {
    SchemaEntry slots[SCHEMA_SLOTS];
    SchemaEntry *last; /* consecutive spans mostly share their schema */
} SchemaCache;

static void schema_cache_free(SchemaCache *cache) {
    for (int i = 0; i < SCHEMA_SLOTS; i++) Py_CLEAR(cache->slots[i].keys);
}

static PyObject *schema_keys(SchemaCache *cache, const uint8_t *s, size_t n) {
    SchemaEntry *last = cache->last;
    if (last && last->schema_len == n && memcmp(last->schema, s, n) == 0) return last->keys;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    SchemaEntry *e = &cache->slots[h % SCHEMA_SLOTS];
    cache->last = e;
    if (e->keys && e->schema_len == n && memcmp(e->schema, s, n) == 0) return e->keys;
    PyObject *text = PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)n, "strict");
    if (!text) return NULL;
    PyObject *keys = PyObject_CallOneArg(schema_keys_of, text);
    Py_DECREF(text);
    if (!keys) return NULL;
    if (!PyTuple_Check(keys)) {
        Py_DECREF(keys);
        PyErr_SetString(PyExc_TypeError, "schema_keys must return a tuple of str");
        return NULL;
    }
    Py_XSETREF(e->keys, keys);
    e->schema = s;
    e->schema_len = n;
    return keys;
}

/* 1 when `s` is JSON orjson accepts, 0 when not, -1 on another error. */
static int is_json(const uint8_t *s, size_t n) {
    PyObject *view = PyMemoryView_FromMemory((char *)s, (Py_ssize_t)n, PyBUF_READ);
    if (!view) return -1;
    PyObject *parsed = PyObject_CallOneArg(orjson_loads, view);
    Py_DECREF(view);
    if (parsed) {
        Py_DECREF(parsed);
        return 1;
    }
    if (PyErr_ExceptionMatches(json_decode_error)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------------ the output columns */

typedef struct {
    Buf start, end;      /* int64 us */
    Buf duration;        /* double */
    Validity duration_v; /* NULL for logs and pending spans */
    Buf level;           /* int32 */
    StrCol trace_id, span_id, parent_span_id, kind, span_name, message, attributes, json_schema;
    StrCol status_code, status_message;
    Buf tag_offsets; /* int32, into tag_values */
    Validity tags_v;
    StrCol tag_values;
    Buf http_status; /* int32 */
    Validity http_status_v;
    StrCol http_method, http_route, url_full, url_path, url_query;
    int64_t rows;
} Columns;

static StrCol *string_column(Columns *c, int i) {
    StrCol *all[] = {&c->trace_id, &c->span_id, &c->parent_span_id, &c->kind, &c->span_name,
                     &c->message, &c->attributes, &c->json_schema, &c->status_code,
                     &c->status_message, &c->tag_values, &c->http_method, &c->http_route,
                     &c->url_full, &c->url_path, &c->url_query};
    return i < (int)(sizeof all / sizeof all[0]) ? all[i] : NULL;
}

static int columns_init(Columns *c) {
    memset(c, 0, sizeof *c);
    for (int i = 0; string_column(c, i); i++)
        if (strcol_init(string_column(c, i)) < 0) return -1;
    int32_t zero = 0;
    return buf_put(&c->tag_offsets, &zero, 4);
}

static void columns_free(Columns *c) {
    Buf *bufs[] = {&c->start, &c->end, &c->duration, &c->duration_v.bits, &c->level,
                   &c->tag_offsets, &c->tags_v.bits, &c->http_status, &c->http_status_v.bits};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) buf_free(bufs[i]);
    for (int i = 0; string_column(c, i); i++) strcol_free(string_column(c, i));
}

static int put_hex(StrCol *c, const uint8_t *id, size_t n) {
    if (buf_reserve(&c->data, 2 * n) < 0) return -1;
    uint8_t *out = c->data.data + c->data.len;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)HEX[id[i] >> 4];
        out[2 * i + 1] = (uint8_t)HEX[id[i] & 15];
    }
    c->data.len += 2 * n;
    return strcol_end_row(c, 1);
}

/* ------------------------------------------------------------------ one span */

typedef struct {
    const uint8_t *trace_id, *span_id, *parent, *name, *status_message;
    size_t trace_len, span_len, parent_len, name_len, status_message_len;
    uint64_t start, end;
    int64_t status_code;
    int has_events_or_links, status_seen;
    int attributes_rc; /* the first non-OK result of parsing an attribute */
} Span;

typedef struct {
    Attr *items;
    size_t n, cap;
} Attrs;

static int parse_status(Reader r, Span *s) {
    uint32_t field, wt;
    int got;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        uint64_t v;
        if (field == 2) {
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (!utf8_valid(sub.p, (size_t)(sub.end - sub.p))) return BAIL;
            s->status_message = sub.p;
            s->status_message_len = (size_t)(sub.end - sub.p);
        } else if (field == 3) {
            if (wt != WT_VARINT || !read_varint(&r, &v)) return BAIL;
            s->status_code = (int32_t)(uint32_t)v; /* an int32 enum, sign-extended on the wire */
        } else if (!skip_field(&r, wt)) {
            return BAIL;
        }
    }
    return got < 0 ? BAIL : OK;
}

static int add_attribute(Reader kv, Span *s, Attrs *attrs);

/* The span's fields, and its attributes into `attrs` (a span with events or links gets no further). */
static int parse_span(Reader r, Span *s, Attrs *attrs) {
    uint32_t field, wt;
    int got;
    memset(s, 0, sizeof *s);
    s->name = (const uint8_t *)"";
    attrs->n = 0;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        switch (field) {
        case 1:
        case 2:
        case 4:
        case 5:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            {
                size_t n = (size_t)(sub.end - sub.p);
                if (field == 1) s->trace_id = sub.p, s->trace_len = n;
                else if (field == 2) s->span_id = sub.p, s->span_len = n;
                else if (field == 4) s->parent = sub.p, s->parent_len = n;
                else {
                    if (!utf8_valid(sub.p, n)) return BAIL;
                    s->name = sub.p, s->name_len = n;
                }
            }
            break;
        case 7:
        case 8:
            if (wt != WT_I64 || !read_fixed64(&r, field == 7 ? &s->start : &s->end)) return BAIL;
            break;
        case 11:
        case 13:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            s->has_events_or_links = 1;
            break;
        case 15:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (s->status_seen++) return BAIL; /* merged messages: Python */
            {
                int rc = parse_status(sub, s);
                if (rc != OK) return rc;
            }
            break;
        case 3:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (!utf8_valid(sub.p, (size_t)(sub.end - sub.p))) return BAIL; /* as protobuf checks */
            break;
        case 9:
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (s->attributes_rc == OK && !s->has_events_or_links) {
                int rc = add_attribute(sub, s, attrs);
                if (rc == FAIL || rc == BAIL) return rc;
            }
            break;
        default:
            if (!skip_field(&r, wt)) return BAIL;
        }
    }
    return got < 0 ? BAIL : OK;
}

static int is_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static inline int key_is(const Attr *a, const char *key, size_t n) {
    return a->key_len == n && memcmp(a->key, key, n) == 0;
}
#define KEY_IS(a, literal) key_is((a), literal, sizeof(literal) - 1)

static inline int str_is(const Attr *a, const char *text, size_t n) {
    return a->s_len == n && memcmp(a->s, text, n) == 0;
}
#define STR_IS(a, literal) str_is((a), literal, sizeof(literal) - 1)

static const Attr *find(const Attrs *attrs, const char *key, size_t n) {
    for (size_t i = 0; i < attrs->n; i++)
        if (!attrs->items[i].removed && key_is(&attrs->items[i], key, n)) return &attrs->items[i];
    return NULL;
}
#define FIND(attrs, literal) find((attrs), literal, sizeof(literal) - 1)

static int add_attribute(Reader kv, Span *s, Attrs *attrs) {
    if (attrs->n == attrs->cap) {
        size_t cap = attrs->cap ? attrs->cap * 2 : 32;
        Attr *items = PyMem_Realloc(attrs->items, cap * sizeof(Attr));
        if (!items) {
            PyErr_NoMemory();
            return FAIL;
        }
        attrs->items = items;
        attrs->cap = cap;
    }
    Attr *a = &attrs->items[attrs->n];
    int rc = parse_key_value(kv, a);
    if (rc != OK) {
        s->attributes_rc = rc;
        return rc;
    }
    /* Duplicate keys: a dict keeps the first position with the last value. Rare: Python. */
    for (size_t i = 0; i < attrs->n; i++)
        if (key_is(&attrs->items[i], (const char *)a->key, a->key_len)) {
            s->attributes_rc = COMPLEX;
            return COMPLEX;
        }
    attrs->n++;
    return OK;
}

/* A promoted text column: strings as they are, ints and doubles spelled as Python's str(), else NULL. */
static int put_text(StrCol *c, const Attr *a) {
    if (!a || a->fragment) return strcol_null(c);
    if (a->type == V_STR) return strcol_append(c, a->s, a->s_len);
    if (a->type == V_INT) {
        char text[24];
        char *start = format_int(a->i, text + sizeof text);
        return strcol_append(c, (const uint8_t *)start, (size_t)(text + sizeof text - start));
    }
    if (a->type == V_DOUBLE) {
        char *text = PyOS_double_to_string(a->d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
        if (!text) return -1;
        int rc = strcol_append(c, (const uint8_t *)text, strlen(text));
        PyMem_Free(text);
        return rc;
    }
    return strcol_null(c);
}

/* attributes.get(key), falling back to `fallback` when that is None (absent or an empty AnyValue). */
static const Attr *get_with_fallback(const Attrs *attrs, const char *key, size_t n, const char *fallback,
                                     size_t fn) {
    const Attr *a = find(attrs, key, n);
    if ((!a || (a->type == V_NULL && !a->fragment)) && fallback) a = find(attrs, fallback, fn);
    if (a && a->type == V_NULL && !a->fragment) return NULL;
    return a;
}

static int hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Converts one span into a row of `c`; COMPLEX leaves `c` untouched. */
static int convert_span(const Span *s, Attrs *attrs, Columns *c, SchemaCache *schemas, uint64_t lo,
                        uint64_t hi) {
    if (s->has_events_or_links) return COMPLEX;
    if (s->start < lo || s->start > hi) return COMPLEX;
    if (s->trace_len != 16 || s->span_len != 8 || is_zero(s->trace_id, 16) || is_zero(s->span_id, 8))
        return COMPLEX;
    int rc = s->attributes_rc;
    if (rc != OK) return rc;

    /* logfire.* attributes that become columns (popped from the attributes) */
    const char *kind = "span";
    Attr *message = NULL, *tags = NULL, *schema = NULL;
    int level = 0;
    for (size_t i = 0; i < attrs->n; i++) {
        Attr *a = &attrs->items[i];
        if (a->key_len < 9 || memcmp(a->key, "logfire.", 8) != 0) continue;
        if (KEY_IS(a, "logfire.span_type")) {
            if (a->type == V_STR) {
                if (STR_IS(a, "log")) kind = "log";
                else if (STR_IS(a, "pending_span")) kind = "pending_span";
                else if (!STR_IS(a, "span")) return COMPLEX; /* stays an attribute, at the end */
            } else if (a->type != V_NULL) {
                return COMPLEX;
            }
            a->removed = 1;
        } else if (KEY_IS(a, "logfire.msg")) {
            if (a->type != V_STR && a->type != V_NULL) return COMPLEX;
            a->removed = 1;
            if (a->type == V_STR) message = a;
        } else if (KEY_IS(a, "logfire.tags")) {
            if (a->type == V_ARRAY) {
                rc = check_array(a, 1);
                if (rc != OK) return rc;
            } else if (a->type != V_STR && a->type != V_NULL) {
                return COMPLEX;
            }
            a->removed = 1;
            if (a->type != V_NULL) tags = a;
        } else if (KEY_IS(a, "logfire.json_schema")) {
            if (a->type != V_STR && a->type != V_NULL) return COMPLEX;
            a->removed = 1;
            if (a->type == V_STR) schema = a;
        } else if (KEY_IS(a, "logfire.level_num")) {
            if (a->type == V_INT && a->i >= 1 && a->i <= 24) level = (int)a->i;
            else if (a->type != V_NULL) return COMPLEX;
            a->removed = 1;
        }
    }

    /* the JSON-decode rule: string values of the keys the schema marks hold JSON */
    if (schema) {
        PyObject *keys = schema_keys(schemas, schema->s, schema->s_len);
        if (!keys) return FAIL;
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(keys); k++) {
            Py_ssize_t key_len;
            const char *key = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(keys, k), &key_len);
            if (!key) return FAIL;
            Attr *a = (Attr *)find(attrs, key, (size_t)key_len);
            if (!a || a->type != V_STR || a->fragment) continue;
            int valid = is_json(a->s, a->s_len);
            if (valid < 0) return FAIL;
            a->fragment = (uint8_t)valid;
        }
    }

    if (!level) level = s->status_code == STATUS_ERROR ? LEVEL_ERROR : LEVEL_INFO;

    const uint8_t *real_span_id = s->span_id;
    const uint8_t *parent = NULL; /* raw 8 bytes */
    uint8_t pending_parent[8];
    int parent_valid = s->parent_len == 8 && !is_zero(s->parent, 8);
    int pending = kind[0] == 'p';
    uint64_t end = s->start;
    int has_duration = 0;
    if (pending) {
        if (parent_valid) {
            /* stored under the real span's ids: its id is our parent, its parent was sent aside */
            real_span_id = s->parent;
            Attr *a = (Attr *)FIND(attrs, "logfire.pending_parent_id");
            if (a) {
                a->removed = 1;
                if (a->type == V_STR && !a->fragment && a->s_len == 16) {
                    int ok = 1;
                    for (int i = 0; i < 8 && ok; i++) {
                        int hi4 = hex_digit(a->s[2 * i]), lo4 = hex_digit(a->s[2 * i + 1]);
                        if (hi4 < 0 || lo4 < 0) ok = 0;
                        else pending_parent[i] = (uint8_t)(hi4 << 4 | lo4);
                    }
                    if (ok && !is_zero(pending_parent, 8)) parent = pending_parent;
                }
            }
        }
    } else {
        if (parent_valid) parent = s->parent;
        if (kind[0] == 's') {
            end = s->end < s->start ? s->start : s->end;
            has_duration = 1;
        }
    }

    /* attributes JSON first: the only step that can still turn the span away (the size limit) */
    size_t mark = c->attributes.data.len;
    Buf *json = &c->attributes.data;
    if (buf_putc(json, '{') < 0) return FAIL;
    int first = 1;
    for (size_t i = 0; i < attrs->n; i++) {
        const Attr *a = &attrs->items[i];
        if (a->removed) continue;
        if (!first && buf_putc(json, ',') < 0) return FAIL;
        first = 0;
        if (json_string(json, a->key, a->key_len) < 0 || buf_putc(json, ':') < 0 || json_value(json, a) < 0)
            return FAIL;
    }
    if (buf_putc(json, '}') < 0) return FAIL;
    if (json->len - mark > MAX_ATTRIBUTES_BYTES) {
        json->len = mark; /* fit_attributes is Python's */
        return COMPLEX;
    }
    if (strcol_end_row(&c->attributes, 1) < 0) return FAIL;

    int64_t start_us = (int64_t)(s->start / 1000), end_us = (int64_t)(end / 1000);
    int32_t level32 = level;
    double duration = has_duration ? (double)(end - s->start) / 1e9 : 0.0;
    if (buf_put(&c->start, &start_us, 8) < 0 || buf_put(&c->end, &end_us, 8) < 0 ||
        buf_put(&c->duration, &duration, 8) < 0 || validity_append(&c->duration_v, has_duration) < 0 ||
        buf_put(&c->level, &level32, 4) < 0)
        return FAIL;
    if (put_hex(&c->trace_id, s->trace_id, 16) < 0 || put_hex(&c->span_id, real_span_id, 8) < 0 ||
        (parent ? put_hex(&c->parent_span_id, parent, 8) : strcol_null(&c->parent_span_id)) < 0 ||
        strcol_append(&c->kind, (const uint8_t *)kind, strlen(kind)) < 0)
        return FAIL;
    size_t name_len = utf8_cut(s->name, s->name_len, MAX_NAME_BYTES);
    if (strcol_append(&c->span_name, s->name, name_len) < 0) return FAIL;
    if ((message ? strcol_append(&c->message, message->s, utf8_cut(message->s, message->s_len, MAX_NAME_BYTES))
                 : strcol_append(&c->message, s->name, name_len)) < 0)
        return FAIL;
    if ((schema ? strcol_append(&c->json_schema, schema->s, schema->s_len) : strcol_null(&c->json_schema)) < 0)
        return FAIL;

    /* tags: list<string> */
    if (tags) {
        if (tags->type == V_STR) {
            if (strcol_append(&c->tag_values, tags->s, tags->s_len) < 0) return FAIL;
        } else {
            Reader r = {tags->s, tags->s + tags->s_len};
            uint32_t field, wt;
            while (next_field(&r, &field, &wt) == 1) {
                if (field != 1) {
                    skip_field(&r, wt);
                    continue;
                }
                Reader sub;
                read_len(&r, &sub);
                Attr item;
                parse_any_value(sub, &item);
                if (strcol_append(&c->tag_values, item.s, item.s_len) < 0) return FAIL;
            }
        }
    }
    int32_t tag_end = (int32_t)c->tag_values.validity.rows;
    if (buf_put(&c->tag_offsets, &tag_end, 4) < 0 || validity_append(&c->tags_v, tags != NULL) < 0) return FAIL;

    const char *status = s->status_code == 0 ? "UNSET" : s->status_code == 1 ? "OK"
                       : s->status_code == 2 ? "ERROR" : NULL;
    if ((status ? strcol_append(&c->status_code, (const uint8_t *)status, strlen(status))
                : strcol_null(&c->status_code)) < 0)
        return FAIL;
    if ((s->status_message_len ? strcol_append(&c->status_message, s->status_message, s->status_message_len)
                               : strcol_null(&c->status_message)) < 0)
        return FAIL;

    /* promoted columns: semconv names first, the pre-1.21 names as fallback */
    const Attr *a = get_with_fallback(attrs, "http.response.status_code", 25, "http.status_code", 16);
    int32_t code = 0;
    int has_code = a && !a->fragment && a->type == V_INT && a->i >= INT32_MIN && a->i <= INT32_MAX;
    if (has_code) code = (int32_t)a->i;
    if (buf_put(&c->http_status, &code, 4) < 0 || validity_append(&c->http_status_v, has_code) < 0)
        return FAIL;
    if (put_text(&c->http_method, get_with_fallback(attrs, "http.request.method", 19, "http.method", 11)) < 0 ||
        put_text(&c->http_route, get_with_fallback(attrs, "http.route", 10, NULL, 0)) < 0 ||
        put_text(&c->url_full, get_with_fallback(attrs, "url.full", 8, "http.url", 8)) < 0 ||
        put_text(&c->url_path, get_with_fallback(attrs, "url.path", 8, NULL, 0)) < 0 ||
        put_text(&c->url_query, get_with_fallback(attrs, "url.query", 9, NULL, 0)) < 0)
        return FAIL;
    c->rows++;
    return OK;
}

/* ------------------------------------------------------------------ Python objects out */

static PyObject *bytes_of(const Buf *b) {
    return PyBytes_FromStringAndSize(b->len ? (const char *)b->data : "", (Py_ssize_t)b->len);
}

static PyObject *validity_of(const Validity *v) {
    if (!v->nulls) Py_RETURN_NONE;
    return bytes_of(&v->bits);
}

/* (validity or None, offsets, data) */
static PyObject *strcol_tuple(const StrCol *c) {
    return Py_BuildValue("(NNN)", validity_of(&c->validity), bytes_of(&c->offsets), bytes_of(&c->data));
}

static int set_item(PyObject *dict, const char *name, PyObject *value) {
    if (!value) return -1;
    int rc = PyDict_SetItemString(dict, name, value);
    Py_DECREF(value);
    return rc;
}

static PyObject *columns_dict(const Columns *c) {
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    struct {
        const char *name;
        const StrCol *col;
    } strings[] = {
        {"trace_id", &c->trace_id},       {"span_id", &c->span_id},
        {"parent_span_id", &c->parent_span_id}, {"kind", &c->kind},
        {"span_name", &c->span_name},     {"message", &c->message},
        {"attributes", &c->attributes},   {"attributes_json_schema", &c->json_schema},
        {"otel_status_code", &c->status_code}, {"otel_status_message", &c->status_message},
        {"http_method", &c->http_method}, {"http_route", &c->http_route},
        {"url_full", &c->url_full},       {"url_path", &c->url_path},
        {"url_query", &c->url_query},
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (set_item(d, strings[i].name, strcol_tuple(strings[i].col)) < 0) goto error;
    if (set_item(d, "start_timestamp", Py_BuildValue("(ON)", Py_None, bytes_of(&c->start))) < 0 ||
        set_item(d, "end_timestamp", Py_BuildValue("(ON)", Py_None, bytes_of(&c->end))) < 0 ||
        set_item(d, "duration", Py_BuildValue("(NN)", validity_of(&c->duration_v), bytes_of(&c->duration))) < 0 ||
        set_item(d, "level", Py_BuildValue("(ON)", Py_None, bytes_of(&c->level))) < 0 ||
        set_item(d, "http_response_status_code",
                 Py_BuildValue("(NN)", validity_of(&c->http_status_v), bytes_of(&c->http_status))) < 0 ||
        set_item(d, "tags", Py_BuildValue("(NNN)", validity_of(&c->tags_v), bytes_of(&c->tag_offsets),
                                          strcol_tuple(&c->tag_values))) < 0)
        goto error;
    return d;
error:
    Py_DECREF(d);
    return NULL;
}

/* ------------------------------------------------------------------ the request */

typedef struct {
    Columns columns;
    Attrs attrs;
    SchemaCache schemas;
    PyObject *runs, *resources, *scopes, *complex;
    int64_t run_start;
} Request;

static int close_run(Request *q, Py_ssize_t resource, Py_ssize_t scope) {
    int64_t count = q->columns.rows - q->run_start;
    if (!count) return 0;
    q->run_start = q->columns.rows;
    PyObject *run = Py_BuildValue("(Lnn)", (long long)count, resource, scope);
    if (!run) return -1;
    int rc = PyList_Append(q->runs, run);
    Py_DECREF(run);
    return rc;
}

static PyObject *raw_or_none(const uint8_t *p, size_t n, int seen) {
    if (!seen) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)n);
}

static int append_new(PyObject *list, PyObject *item) {
    if (!item) return -1;
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* Field 1 of a ResourceSpans/ScopeSpans (its Resource/InstrumentationScope) into `out`, checking the
   whole message: field 2 (the repeated children) must be length-delimited; a singular message sent
   twice (protobuf would merge them) or any malformation is BAIL. */
static int header_message(Reader r, Reader *out, int *seen) {
    uint32_t field, wt;
    int got;
    *seen = 0;
    out->p = out->end = NULL;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        if (field == 1 || field == 2) {
            if (wt != WT_LEN || !read_len(&r, &sub)) return BAIL;
            if (field == 1) {
                if ((*seen)++) return BAIL;
                *out = sub;
            }
        } else if (!skip_field(&r, wt)) {
            return BAIL;
        }
    }
    return got < 0 ? BAIL : OK;
}

/* The next field-2 child (the repeated ScopeSpans/Span) of a message header_message already checked. */
static int next_child(Reader *r, Reader *child) {
    uint32_t field, wt;
    while (next_field(r, &field, &wt) == 1) {
        if (field == 2) return read_len(r, child);
        skip_field(r, wt);
    }
    return 0;
}

static int convert_scope_spans(Request *q, Reader r, Py_ssize_t resource, Py_ssize_t scope_in_resource,
                               uint64_t lo, uint64_t hi) {
    int scope_seen;
    Reader scope;
    /* the scope message first (it may come after the spans on the wire) */
    if (header_message(r, &scope, &scope_seen) != OK) return BAIL;
    Py_ssize_t scope_index = PyList_GET_SIZE(q->scopes);
    if (append_new(q->scopes, raw_or_none(scope.p, (size_t)(scope.end - scope.p), scope_seen)) < 0) return FAIL;

    Py_ssize_t span_index = 0;
    Reader sub;
    while (next_child(&r, &sub)) {
        Span span;
        int rc = parse_span(sub, &span, &q->attrs);
        if (rc == OK) rc = convert_span(&span, &q->attrs, &q->columns, &q->schemas, lo, hi);
        if (rc == COMPLEX) {
            if (append_new(q->complex, Py_BuildValue("(nnn)", resource, scope_in_resource, span_index)) < 0)
                return FAIL;
        } else if (rc != OK) {
            return rc;
        }
        span_index++;
    }
    return close_run(q, resource, scope_index) < 0 ? FAIL : OK;
}

static int convert_resource_spans(Request *q, Reader r, Py_ssize_t resource, uint64_t lo, uint64_t hi) {
    int resource_seen;
    Reader raw;
    if (header_message(r, &raw, &resource_seen) != OK) return BAIL;
    if (append_new(q->resources, raw_or_none(raw.p, (size_t)(raw.end - raw.p), resource_seen)) < 0) return FAIL;
    Py_ssize_t scope = 0;
    Reader sub;
    while (next_child(&r, &sub)) {
        int rc = convert_scope_spans(q, sub, resource, scope++, lo, hi);
        if (rc != OK) return rc;
    }
    return OK;
}

static PyObject *convert_spans(PyObject *module, PyObject *args) {
    Py_buffer body;
    unsigned long long lo, hi;
    if (!PyArg_ParseTuple(args, "y*KK", &body, &lo, &hi)) return NULL;
    if (!orjson_dumps) {
        PyBuffer_Release(&body);
        PyErr_SetString(PyExc_RuntimeError, "hearth_otlp_native: configure() was not called");
        return NULL;
    }
    Request q;
    memset(&q, 0, sizeof q);
    PyObject *result = NULL;
    int rc = FAIL;
    if (columns_init(&q.columns) < 0) goto done;
    q.runs = PyList_New(0);
    q.resources = PyList_New(0);
    q.scopes = PyList_New(0);
    q.complex = PyList_New(0);
    if (!q.runs || !q.resources || !q.scopes || !q.complex) goto done;

    Reader r = {body.buf, (const uint8_t *)body.buf + body.len};
    uint32_t field, wt;
    int got;
    Py_ssize_t resource = 0;
    rc = OK;
    while (rc == OK && (got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        if (field != 1) {
            if (!skip_field(&r, wt)) rc = BAIL;
            continue;
        }
        if (wt != WT_LEN || !read_len(&r, &sub)) {
            rc = BAIL;
            break;
        }
        rc = convert_resource_spans(&q, sub, resource++, lo, hi);
    }
    if (rc == OK && got < 0) rc = BAIL;
    if (rc == BAIL) {
        result = Py_NewRef(Py_None);
    } else if (rc == OK) {
        PyObject *columns = columns_dict(&q.columns);
        if (columns)
            result = Py_BuildValue("(LNOOOO)", (long long)q.columns.rows, columns, q.runs, q.resources,
                                   q.scopes, q.complex);
    }
done:
    columns_free(&q.columns);
    PyMem_Free(q.attrs.items);
    schema_cache_free(&q.schemas);
    Py_XDECREF(q.runs);
    Py_XDECREF(q.resources);
    Py_XDECREF(q.scopes);
    Py_XDECREF(q.complex);
    PyBuffer_Release(&body);
    return result;
}

/* ------------------------------------------------------------------ the door count */

/* What the HTTP layer answers in partial_success before any conversion: the rejection rules of
   hearth_ingest.otlp_checks for spans, read straight from the request bytes. */
typedef struct {
    uint64_t lo, hi;
    Py_ssize_t total, too_old, too_new, invalid_ids;
} DoorCount;

static int count_span(Reader r, DoorCount *count) {
    uint32_t field, wt;
    int got;
    uint64_t start = 0;
    size_t trace_len = 0, span_len = 0;
    const uint8_t *trace_id = NULL, *span_id = NULL;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        if ((field == 1 || field == 2) && wt == WT_LEN) {
            if (!read_len(&r, &sub)) return 0;
            if (field == 1) trace_id = sub.p, trace_len = (size_t)(sub.end - sub.p);
            else span_id = sub.p, span_len = (size_t)(sub.end - sub.p);
        } else if (field == 7 && wt == WT_I64) {
            if (!read_fixed64(&r, &start)) return 0;
        } else if (field <= 2 || field == 7) {
            return 0; /* a wire type protobuf would keep as an unknown field: Python decides */
        } else if (!skip_field(&r, wt)) {
            return 0;
        }
    }
    if (got < 0) return 0;
    count->total++;
    if (start < count->lo) count->too_old++;
    else if (start > count->hi) count->too_new++;
    else if (trace_len != 16 || span_len != 8 || is_zero(trace_id, 16) || is_zero(span_id, 8))
        count->invalid_ids++;
    return 1;
}

/* The repeated message `field` of each message in `r`, `depth` levels down, then count_span. */
static int count_level(Reader r, int depth, DoorCount *count) {
    static const uint32_t FIELDS[] = {1, 2, 2}; /* resource_spans, scope_spans, spans */
    uint32_t field, wt;
    int got;
    while ((got = next_field(&r, &field, &wt)) == 1) {
        Reader sub;
        if (field != FIELDS[depth]) {
            if (!skip_field(&r, wt)) return 0;
            continue;
        }
        if (wt != WT_LEN || !read_len(&r, &sub)) return 0;
        if (!(depth == 2 ? count_span(sub, count) : count_level(sub, depth + 1, count))) return 0;
    }
    return got == 0;
}

static PyObject *count_spans(PyObject *module, PyObject *args) {
    Py_buffer body;
    DoorCount count = {0};
    unsigned long long lo, hi;
    if (!PyArg_ParseTuple(args, "y*KK", &body, &lo, &hi)) return NULL;
    count.lo = lo;
    count.hi = hi;
    Reader r = {body.buf, (const uint8_t *)body.buf + body.len};
    int ok = count_level(r, 0, &count);
    PyBuffer_Release(&body);
    if (!ok) Py_RETURN_NONE;
    return Py_BuildValue("(nnnn)", count.total, count.too_old, count.too_new, count.invalid_ids);
}

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *dumps, *loads, *error, *keys;
    if (!PyArg_ParseTuple(args, "OOOO", &dumps, &loads, &error, &keys)) return NULL;
    Py_XSETREF(orjson_dumps, Py_NewRef(dumps));
    Py_XSETREF(orjson_loads, Py_NewRef(loads));
    Py_XSETREF(json_decode_error, Py_NewRef(error));
    Py_XSETREF(schema_keys_of, Py_NewRef(keys));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"convert_spans", convert_spans, METH_VARARGS,
     "convert_spans(body, window_start_ns, window_end_ns) -> (rows, columns, runs, resources, scopes, "
     "complex) or None"},
    {"count_spans", count_spans, METH_VARARGS,
     "count_spans(body, window_start_ns, window_end_ns) -> (spans, too_old, too_new, invalid_ids) or None"},
    {"configure", configure, METH_VARARGS, "configure(orjson_dumps, orjson_loads, JSONDecodeError, schema_keys)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_spans", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__spans(void) { return PyModule_Create(&module_def); }
