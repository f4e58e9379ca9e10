/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared inside lib/conf: the value grammar's building blocks (value.c), the
 * libyaml event reader and error list (reader.c), and the section walkers
 * (conf.c for the file and its small sections, objects.c for sublayers,
 * callouts and filters).
 */
#ifndef DFP_CONF_PRIVATE_H
#define DFP_CONF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "dfp_conf.h"

/* Number of elements of an array. */
#define CONF_DIM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- value.c ---- */

/** Which part of a condition an error is about (so the loader can point at it). */
enum conf_cond_part {
	CONF_COND_FIELD,  /**< The field name. */
	CONF_COND_MATCH,  /**< The match type, or its fit with the field. */
	CONF_COND_VALUE,  /**< The value (or the low end of a [lo, hi] list). */
	CONF_COND_HIGH,   /**< The high end of a [lo, hi] list. */
	CONF_COND_LAYER,  /**< The field is not offered at the layer. */
};

/** Longest condition value text accepted, including NUL. */
#define CONF_VALUE_SIZE 256

/*
 * Build a condition from a resolved field and match: `value` is the scalar
 * text, or the low end when `high` (the high end of a [lo, hi] list) is not
 * NULL. On failure err gets the message and *part what it is about.
 */
dfp_status_t conf_cond_build(uint16_t layer_id, enum dfp_field field, enum dfp_match match,
		const char *value, const char *high, struct dfp_engine_cond *out, char *err,
		size_t err_len, enum conf_cond_part *part);

/* As dfp_conf_u64_parse() with a message ("'x' is not a number", "... out of range"). */
dfp_status_t conf_u64_parse(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, char *err,
		size_t err_len);

/* One filter flag name (persistent, ...) to its DFP_FILTER_FLAG_* bit; 0 if unknown. */
uint32_t conf_filter_flag_from_name(const char *name);

/* Quote s for a message: at most about 40 characters, "..." when cut. */
const char *conf_quote(const char *s, char *buf, size_t size);

/* A layer by name (engine names, any case, FWPS_/FWPM_ prefix) or FWPM_LAYER GUID; -1 if none. */
int conf_layer_lookup(const char *s);

/* ---- reader.c: errors and the event reader ---- */

/** The loaded configuration with what dfp_conf_free() needs beyond the public part. */
struct conf_full {
	struct dfp_conf pub;             /**< What the caller sees (first member). */
	struct dfp_engine_cond *conds;   /**< Every filter's conditions, one block. */
};

/** Positions the cross-checks need beyond what the public structs keep. */
struct conf_obj_side {
	struct dfp_conf_pos name_pos;    /**< The `name:` value. */
	struct dfp_conf_pos key_pos;     /**< The `key:` value (0:0 if none). */
	struct dfp_conf_pos aux_pos;     /**< Ports: `peer:` value; callouts: `layer:` value. */
	struct dfp_conf_pos aux2_pos;    /**< Ports: `port:` value. */
	size_t cond_off;                 /**< Filters: first condition in the pool. */
	bool aux_ok;                     /**< Ports: the role is valid. */
};

/** One condition as written, kept until the filter's layer is known. */
struct conf_cond_raw {
	char field[DFP_CONF_NAME_SIZE];
	char match[DFP_CONF_NAME_SIZE];
	char value[CONF_VALUE_SIZE];
	char high[CONF_VALUE_SIZE];
	struct dfp_conf_pos pos;         /**< The condition's mapping. */
	struct dfp_conf_pos field_pos;
	struct dfp_conf_pos match_pos;
	struct dfp_conf_pos value_pos;
	struct dfp_conf_pos high_pos;
	int field_id;                    /**< -1 = missing or unknown (already reported). */
	int match_id;                    /**< -1 = missing or unknown (already reported). */
	bool has_value;                  /**< A usable value was read. */
	bool is_pair;                    /**< Value was a [lo, hi] list. */
};

/** One load in progress. */
struct conf_ctx {
	struct dfp_conf_errors *errs;
	struct conf_full *full;
	struct dfp_conf *conf;
	uint32_t flags;
	const unsigned char *buf;        /**< The text (for reader-error positions). */
	size_t len;
	yaml_parser_t parser;
	yaml_event_t ev;                 /**< The next unconsumed event (valid if have_ev). */
	bool have_ev;
	bool stop;                       /**< Syntax error or no memory: the walk ends. */
	bool nomem;
	/* Growth of the object arrays. */
	size_t cap_sublayers;
	size_t cap_callouts;
	size_t cap_filters;
	size_t n_conds;
	size_t cap_conds;
	struct conf_obj_side ports_side[DFP_CONF_MAX_PORTS];
	struct conf_obj_side *sublayers_side;
	struct conf_obj_side *callouts_side;
	struct conf_obj_side *filters_side;
	struct dfp_conf_pos lcores_pos[DFP_CONF_MAX_LCORES];
	struct conf_cond_raw raw[DFP_ENGINE_MAX_CONDS];  /**< The filter being read. */
};

/* 1-based position of a libyaml mark. */
struct dfp_conf_pos conf_mark_pos(yaml_mark_t m);

/* Record an error (kept if there is room; always counted). */
void conf_error(struct conf_ctx *c, struct dfp_conf_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record running out of memory: the load ends with STATUS_NO_MEMORY. */
void conf_nomem(struct conf_ctx *c);

/* Position of the next event. */
struct dfp_conf_pos rd_pos(const struct conf_ctx *c);

/* Consume the next event and read the one after; false once the walk stopped. */
bool rd_advance(struct conf_ctx *c);

/* Consume one whole node (the next event starts it). */
void rd_skip_node(struct conf_ctx *c);

/* True if the next event is a plain null scalar ("", "~", "null"). */
bool rd_is_null(const struct conf_ctx *c);

/*
 * Start a mapping node: true and its position if it is one; otherwise the
 * node is reported ("WHAT must be a mapping") and skipped.
 */
bool rd_map_begin(struct conf_ctx *c, const char *what, struct dfp_conf_pos *pos);

/*
 * Next key of the mapping being read: true with the key text (cut to size)
 * and position, the value being the next node; false at the mapping's end
 * (consumed) or when the walk stopped. Non-scalar keys are reported and
 * skipped with their values.
 */
bool rd_map_key(struct conf_ctx *c, char *key, size_t size, struct dfp_conf_pos *pos);

/*
 * Start a sequence node: true if it is one (read items with rd_seq_item());
 * a plain null counts as an empty list (false, consumed); otherwise
 * reported ("WHAT must be a list") and skipped.
 */
bool rd_seq_begin(struct conf_ctx *c, const char *what, struct dfp_conf_pos *pos);

/* True while the sequence has another item (the next node); false at its end (consumed). */
bool rd_seq_item(struct conf_ctx *c);

/*
 * Read a scalar node into buf: 0 on success with its position; -1 if it is
 * not a scalar, holds a NUL, or does not fit (size - 1 characters): reported
 * as about WHAT and skipped. A plain null reads as "".
 */
int rd_scalar(struct conf_ctx *c, const char *what, char *buf, size_t size,
		struct dfp_conf_pos *pos);

/* As rd_scalar() into a new string of at most max_len characters; NULL on error. */
char *rd_scalar_dup(struct conf_ctx *c, const char *what, size_t max_len,
		struct dfp_conf_pos *pos);

/* A non-empty name shorter than DFP_CONF_NAME_SIZE; -1 (reported) otherwise. */
int rd_name(struct conf_ctx *c, const char *what, char *buf, struct dfp_conf_pos *pos);

/* An unsigned number in [lo, hi]; -1 (reported) otherwise. */
int rd_u64(struct conf_ctx *c, const char *what, uint64_t lo, uint64_t hi, uint64_t *out,
		struct dfp_conf_pos *pos);

/* A boolean (true/false/yes/no, any case); -1 (reported) otherwise. */
int rd_bool(struct conf_ctx *c, const char *what, bool *out);

/* A GUID; -1 (reported) otherwise. */
int rd_guid(struct conf_ctx *c, const char *what, struct dfp_guid *out, struct dfp_conf_pos *pos);

/* Index of key in names[0..n), or -1. */
int conf_key_index(const char *key, const char *const *names, unsigned int n);

/* Report an unknown or duplicate key (per the seen bit mask) and skip its value; false if so. */
bool conf_key_check(struct conf_ctx *c, int k, const char *key, struct dfp_conf_pos kpos,
		uint32_t *seen, const char *where);

/* ---- objects.c ---- */

void conf_walk_sublayers(struct conf_ctx *c);
void conf_walk_callouts(struct conf_ctx *c);
void conf_walk_filters(struct conf_ctx *c);

/* Cross-checks after the walk: duplicates and references. */
void conf_check_objects(struct conf_ctx *c);

/* Point each filter's spec at its name and conditions (after the arrays are final). */
void conf_finish_filters(struct conf_ctx *c);

/* Free what objects.c allocated in a configuration. */
void conf_free_objects(struct dfp_conf *conf);

/* conf.c: read the whole of fd (at most DFP_CONF_MAX_FILE_SIZE + 1 bytes,
 * one more telling the file is too large). 0 or a negative errno. */
int conf_read_fd(int fd, char **buf_out, size_t *len_out);

#endif /* DFP_CONF_PRIVATE_H */
