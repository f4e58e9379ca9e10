/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp-bench internals shared by main.c (command line, EAL, the table),
 * classify.c (the engine alone), pipeline.c (the whole datapath through
 * two net_ring ports), ctlplane.c (commit time and memory of N filters),
 * memory.c (bytes per flow) and report.c (JSON, /proc/self/status). Not a
 * library: nothing here is exported.
 */
#ifndef DFP_BENCH_H
#define DFP_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "classbench.h"

/* What to measure. */
enum bench_mode {
	BENCH_MODE_CLASSIFY,      /* dfp_engine_match_burst/classify_burst over a trace. */
	BENCH_MODE_PIPELINE,      /* One worker running the datapath. */
	BENCH_MODE_COMMIT,        /* Control plane: N filter adds and a commit through lib/ctl. */
	BENCH_MODE_MEMORY,        /* A flow table of `capacity` entries, filled: bytes per flow. */
	BENCH_MODE_ADD_LATENCY,   /* Pipeline running: one BLOCK filter added until enforced. */
	BENCH_MODE_PEND_LATENCY,  /* A pended flow's completion until its held packets leave. */
};

/* Most layers one rule set is loaded at (--layer L1,L2,...). */
#define BENCH_MAX_LAYERS 8

/* Which 5-tuples the pipeline sees. */
enum bench_flows {
	BENCH_FLOWS_KNOWN,        /* N flows, round robin: every packet hits an existing flow. */
	BENCH_FLOWS_NEW,          /* Every packet a 5-tuple never seen before. */
};

/* One measurement's parameters. */
struct bench_opts {
	enum bench_mode mode;
	char rules_name[64];      /* Display name: file name, or "none". */
	char rules_path[4096];    /* Rule file; empty = no filters. */
	char trace_path[4096];    /* Trace file (always needed: it gives the headers). */
	uint16_t layer;           /* Layer the filters go to. */
	enum bench_flows flows;
	uint32_t n_flows;         /* Known flows. */
	uint64_t warmup;          /* Packets before the measurement; 0 = the mode's default. */
	uint64_t packets;         /* Packets measured; 0 = the mode's default. */
	unsigned int burst;       /* Packets per burst. */
	unsigned int frames;      /* Frames circulating through the pipeline's ports. */
	unsigned int repeat;      /* Measured windows of `packets` each; the median is reported. */
	bool prefault;            /* Pipeline: fault the flow table's heap memory in first. */
	uint8_t proto;            /* Pipeline: only the trace's TCP (6) or UDP (17) headers; 0 both. */
	bool handshake;           /* Pipeline, known flows: TCP flows open with SYN, SYN+ACK
				   * (reversed), ACK, so STREAM sees their later segments. */
	char answers_path[4096];  /* Classify: write each header's first-matching rule here. */
	char json_path[4096];     /* Also write the results as JSON here (report.h). */
	uint32_t capacity;        /* Memory: flow table capacity. */
	unsigned int singles;     /* Commit: single-filter add/delete commits timed afterwards. */
	uint16_t layers[BENCH_MAX_LAYERS]; /* Pipeline: every layer of --layer (layer = the first). */
	unsigned int n_layers;    /* Entries of layers (0: layer alone). */
	bool ring_ports;          /* Pipeline: the net_ring loop instead of two net_null ports. */
	unsigned int frame_size;  /* net_null frame length in bytes. */
	bool count;               /* Pipeline: the count callout (ALE_FLOW_ESTABLISHED_V4 with
				   * its STREAM_V4 and DATAGRAM_DATA_V4 companions). */
	unsigned int samples;     /* Latency modes: samples; 0 = the mode's default. */
};

/* A named figure a mode adds to its result (bench_result_metric()). */
struct bench_metric {
	char name[32];
	double value;
};

/* Most extra figures one result carries. */
#define BENCH_MAX_METRICS 16

/* One line of the result table. */
struct bench_result {
	char what[96];            /* What was measured. */
	char rules[64];           /* Rule set. */
	uint32_t n_filters;       /* Filters loaded. */
	char layer[40];           /* Where. */
	char flows[32];           /* Flow pattern, or "-". */
	uint64_t packets;         /* Packets measured, all windows. */
	unsigned int windows;     /* Measured windows. */
	double cycles_per_packet; /* Median over the windows of TSC cycles per packet. */
	double cycles_min;        /* Best window. */
	double cycles_max;        /* Worst window. */
	double cpu_cycles;        /* Median over the windows of on-CPU cycles per packet. */
	double cpu_share;         /* Median over the windows of on-CPU time / wall time. */
	double mpps;              /* Millions of packets per second at cpu_cycles. */
	char note[256];           /* Counters worth a look, agreement with the trace. */
	struct bench_metric extra[BENCH_MAX_METRICS]; /* Mode-specific figures for the JSON. */
	unsigned int n_extra;     /* Entries of extra in use. */
};

/* A ClassBench rule set (possibly none) and its trace. */
struct bench_set {
	struct classbench_rule *rules;
	uint32_t n_rules;
	struct classbench_packet *pkts;
	uint32_t n_pkts;
};

/* Most results one run produces. */
#define BENCH_MAX_RESULTS 4

/* Load o's rule set and trace; 0 or -1 (after printing why). */
int bench_set_load(const struct bench_opts *o, struct bench_set *set);

/* Free what bench_set_load() allocated. */
void bench_set_free(struct bench_set *set);

/* The engine alone; returns the number of results written (0 on failure). */
unsigned int bench_classify_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS]);

/* The datapath; returns the number of results written (0 on failure). */
unsigned int bench_pipeline_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS]);

/* Fill the rule-set and layer columns of a result. */
void bench_result_init(struct bench_result *r, const struct bench_opts *o, uint32_t n_filters,
		const char *what);

/* Add a named figure to r (dropped when BENCH_MAX_METRICS are in use). */
void bench_result_metric(struct bench_result *r, const char *name, double value);

/* Filter add to enforcement, pend to completion (latency.c); results written (0 on failure). */
unsigned int bench_add_latency_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS]);
unsigned int bench_pend_latency_run(const struct bench_opts *o, const struct bench_set *set,
		struct bench_result res[BENCH_MAX_RESULTS]);

/* Control plane (ctlplane.c): 0, or -1 after printing why. */
int bench_commit_run(const struct bench_opts *o);

/* Flow table memory (memory.c): 0, or -1 after printing why. */
int bench_memory_run(const struct bench_opts *o);

/* Most measured windows. */
#define BENCH_MAX_WINDOWS 64

/* Milliseconds between two TSC readings. */
double bench_ms(uint64_t tsc0, uint64_t tsc1);

/*
 * Set r's figures from per-window cycles/packet: `cpp` by the TSC (wall),
 * `cpu` from the measuring thread's CPU time (TSC cycles it was on a CPU).
 * Sorts both arrays.
 */
void bench_result_windows(struct bench_result *r, double *cpp, double *cpu, unsigned int n);

/* Nanoseconds of CPU time a thread's CPU-time clock shows. */
uint64_t bench_cpu_ns(clockid_t clk);

/* TSC cycles per packet for `ns` of CPU time over `packets` packets. */
double bench_ns_to_cycles(uint64_t ns, uint64_t packets);

#endif /* DFP_BENCH_H */
