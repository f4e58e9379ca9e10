/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp-bench: cycles per packet of the filter engine and of the whole
 * datapath on ClassBench rule sets and traces (data/classbench/wustl).
 *
 *   dfp-bench [EAL options] -- --mode classify|pipeline|commit|memory [options]
 *   dfp-bench [EAL options] -- --all
 *
 * Every figure is TSC cycles over a fixed packet count after a warm-up,
 * printed as a Markdown table row (BENCHMARKS.md). Not a test: it asserts
 * nothing but that the runs completed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_vect.h>

#include "dfp_engine.h"
#include "bench.h"
#include "report.h"

#ifndef DFP_BENCH_SHARED_DIR
#define DFP_BENCH_SHARED_DIR "../shared"
#endif

#define DEFAULT_RULES "acl1_1K"
#define DEFAULT_TRACE_RULES "acl1_1K"

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
		"  --mode classify     the engine alone: dfp_engine_match_burst and\n"
		"                      dfp_engine_classify_burst over the trace\n"
		"  --mode pipeline     one worker running the datapath between two net_ring\n"
		"                      ports wired in a loop (needs two lcores)\n"
		"  --mode commit       control plane: every rule added as a filter in one\n"
		"                      transaction through lib/ctl, then committed; times,\n"
		"                      peak RSS and RSS per filter\n"
		"  --mode memory       a flow table of --capacity entries, filled: bytes per flow\n"
		"  --mode add-latency  pipeline running known flows: one BLOCK filter added at\n"
		"                      INBOUND_TRANSPORT_V4 (auto-commit) until the worker drops\n"
		"                      a packet for it; then deleted; --samples times\n"
		"  --mode pend-latency verdict callout pends each new flow; its completion until\n"
		"                      the held packets are transmitted; --samples times\n"
		"  --all               the standard set of measurements (BENCHMARKS.md)\n"
		"  --rules NAME|PATH   ClassBench rule set: a name under\n"
		"                      <shared>/data/classbench/wustl, a path, or 'none'\n"
		"                      (default %s)\n"
		"  --trace PATH        header trace (default: the rule file + '_trace';\n"
		"                      %s_trace for 'none')\n"
		"  --layer L[,L...]    where the filters go: transport (INBOUND_TRANSPORT_V4,\n"
		"                      default), ippacket (INBOUND_IPPACKET_V4), ale\n"
		"                      (ALE_AUTH_RECV_ACCEPT_V4), or any layer name; pipeline:\n"
		"                      a list loads the rule set at each\n"
		"  --ports null|ring   pipeline: two net_null ports, both generating (default),\n"
		"                      or two net_ring ports wired in a loop\n"
		"  --size N            net_null frame bytes, 60..1514 (default 64)\n"
		"  --count             pipeline: the count callout at ALE_FLOW_ESTABLISHED_V4\n"
		"                      with its STREAM_V4 and DATAGRAM_DATA_V4 filters\n"
		"  --samples N         latency modes: samples (default add 20, pend 200)\n"
		"  --flows known|new   pipeline: N existing flows in turn, or a new 5-tuple\n"
		"                      every packet (default known)\n"
		"  --nflows N          known flows (default 1024)\n"
		"  --warmup N          packets before measuring (default: classify 1M,\n"
		"                      pipeline known 1M or 4 N, new 100k)\n"
		"  --packets N         packets per measured window (default: classify 5M,\n"
		"                      known 10M, new 200k)\n"
		"  --repeat N          measured windows after one warm-up; the median is\n"
		"                      reported with the min and max (default 5)\n"
		"  --no-prefault       pipeline: leave the flow table's memory untouched, so\n"
		"                      first-touch page faults land in the measurement\n"
		"  --proto tcp|udp|any pipeline: only the trace's TCP or UDP headers (default any)\n"
		"  --handshake         pipeline, known flows: every TCP flow first sends SYN,\n"
		"                      SYN+ACK (reversed) and ACK, so it is established and\n"
		"                      its later segments reach STREAM\n"
		"  --burst N           packets per burst, 1..64 (default 32)\n"
		"  --frames N          frames circulating in the pipeline (default 1024)\n"
		"  --answers PATH      classify: write the 0-based index of each header's\n"
		"                      first-matching rule (-1: none), one per line\n"
		"  --json PATH         also write the results as JSON (not with --all)\n"
		"  --capacity N        memory: flow table capacity (default 1M)\n"
		"  --singles N         commit: then time N single-filter adds and deletes,\n"
		"                      each its own transaction (default 5)\n"
		"  --shared DIR        test data (default $DFP_SHARED_DIR or %s)\n"
		"  -h, --help          this text\n",
		prog, DEFAULT_RULES, DEFAULT_TRACE_RULES, DFP_BENCH_SHARED_DIR);
}

static char shared_dir[4096];

double
bench_ms(uint64_t tsc0, uint64_t tsc1)
{
	return (double)(tsc1 - tsc0) * 1000.0 / (double)rte_get_tsc_hz();
}

void
bench_result_init(struct bench_result *r, const struct bench_opts *o, uint32_t n_filters,
		const char *what)
{
	const char *layer = dfp_engine_layer_name(o->layer);

	memset(r, 0, sizeof(*r));
	snprintf(r->what, sizeof(r->what), "%s", what);
	snprintf(r->rules, sizeof(r->rules), "%s", o->rules_name);
	r->n_filters = n_filters;
	snprintf(r->layer, sizeof(r->layer), "%s", n_filters > 0 && layer != NULL ? layer : "-");
	snprintf(r->flows, sizeof(r->flows), "-");
}

void
bench_result_metric(struct bench_result *r, const char *name, double value)
{
	if (r->n_extra >= BENCH_MAX_METRICS)
		return;
	snprintf(r->extra[r->n_extra].name, sizeof(r->extra[r->n_extra].name), "%s", name);
	r->extra[r->n_extra].value = value;
	r->n_extra++;
}

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), double_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
bench_result_windows(struct bench_result *r, double *cpp, double *cpu, unsigned int n)
{
	double share[BENCH_MAX_WINDOWS];
	unsigned int i;

	for (i = 0; i < n; i++)
		share[i] = cpu[i] / cpp[i];
	r->cpu_share = median(share, n);
	r->windows = n;
	r->cycles_per_packet = median(cpp, n);
	r->cycles_min = cpp[0];
	r->cycles_max = cpp[n - 1];
	r->cpu_cycles = median(cpu, n);
	r->mpps = (double)rte_get_tsc_hz() / r->cpu_cycles / 1e6;
}

uint64_t
bench_cpu_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double
bench_ns_to_cycles(uint64_t ns, uint64_t packets)
{
	return (double)ns * ((double)rte_get_tsc_hz() / 1e9) / (double)packets;
}

/* ---- Options ---- */

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	double mult = 1;
	double v;

	v = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1e3;
	else if (*end == 'M' || *end == 'm')
		mult = 1e6;
	if (mult != 1)
		end++;
	if (*end != '\0' || v < 0 || v * mult > (double)max)
		return -1;
	*out = (uint64_t)(v * mult);
	return 0;
}

static int
parse_layer(const char *s)
{
	if (strcmp(s, "transport") == 0)
		return DFP_LAYER_INBOUND_TRANSPORT_V4;
	if (strcmp(s, "ippacket") == 0)
		return DFP_LAYER_INBOUND_IPPACKET_V4;
	if (strcmp(s, "ale") == 0)
		return DFP_LAYER_ALE_AUTH_RECV_ACCEPT_V4;
	return dfp_engine_layer_from_name(s);
}

/* --layer L[,L...]: o->layer is the first, o->layers all of them. Returns 0 or -1. */
static int
parse_layers(const char *arg, struct bench_opts *o)
{
	char buf[512], *tok, *save = NULL;
	int rc;

	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -1;
	o->n_layers = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		rc = parse_layer(tok);
		if (rc < 0 || o->n_layers == BENCH_MAX_LAYERS)
			return -1;
		o->layers[o->n_layers++] = (uint16_t)rc;
	}
	if (o->n_layers == 0)
		return -1;
	o->layer = o->layers[0];
	return 0;
}

/*
 * Resolve the rule set's name and the rule and trace paths ("none": trace
 * only). Returns 0, or -1 if a path does not fit.
 */
static int
set_rules(struct bench_opts *o, const char *rules, const char *trace)
{
	bool none = strcmp(rules, "none") == 0;
	char path[sizeof(o->rules_path)];
	const char *slash;
	int n;

	if (none)
		rules = DEFAULT_TRACE_RULES;
	slash = strrchr(rules, '/');
	snprintf(o->rules_name, sizeof(o->rules_name), "%s",
		none ? "none" : slash != NULL ? slash + 1 : rules);
	if (slash != NULL)
		n = snprintf(path, sizeof(path), "%s", rules);
	else
		n = snprintf(path, sizeof(path), "%s/data/classbench/wustl/%s", shared_dir, rules);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	snprintf(o->rules_path, sizeof(o->rules_path), "%s", none ? "" : path);
	if (trace != NULL)
		n = snprintf(o->trace_path, sizeof(o->trace_path), "%s", trace);
	else
		n = snprintf(o->trace_path, sizeof(o->trace_path), "%s_trace", path);
	return n < 0 || (size_t)n >= sizeof(o->trace_path) ? -1 : 0;
}

/* Fill the counts left at 0 with the mode's defaults. */
static void
defaults_apply(struct bench_opts *o)
{
	if (o->samples == 0)
		o->samples = o->mode == BENCH_MODE_PEND_LATENCY ? 200 : 20;
	if (o->mode == BENCH_MODE_CLASSIFY) {
		if (o->warmup == 0)
			o->warmup = 1000000;
		if (o->packets == 0)
			o->packets = 5000000;
	} else if (o->flows == BENCH_FLOWS_KNOWN) {
		if (o->warmup == 0)
			o->warmup = RTE_MAX(1000000ull, 4ull * o->n_flows);
		if (o->packets == 0)
			o->packets = 10000000;
	} else {
		if (o->warmup == 0)
			o->warmup = 100000;
		if (o->packets == 0)
			o->packets = 200000;
	}
}

static void
opts_default(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = BENCH_MODE_PIPELINE;
	o->layer = DFP_LAYER_INBOUND_TRANSPORT_V4;
	o->flows = BENCH_FLOWS_KNOWN;
	o->n_flows = 1024;
	o->burst = 32;
	o->frames = 1024;
	o->repeat = 5;
	o->prefault = true;
	o->capacity = 1u << 20;
	o->singles = 5;
	o->frame_size = 64;
}

/* ---- Running ---- */

int
bench_set_load(const struct bench_opts *o, struct bench_set *set)
{
	char err[512] = "";

	memset(set, 0, sizeof(*set));
	if (o->rules_path[0] != '\0' &&
			classbench_rules_load(o->rules_path, &set->rules, &set->n_rules, err,
				sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (classbench_trace_load(o->trace_path, &set->pkts, &set->n_pkts, err,
			sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		bench_set_free(set);
		return -1;
	}
	return 0;
}

void
bench_set_free(struct bench_set *set)
{
	free(set->rules);
	free(set->pkts);
	memset(set, 0, sizeof(*set));
}

static void
table_header(void)
{
	printf("\n| what | rules | filters | layer | flows | packets | cycles/pkt wall |"
		" wall min-max | CPU share | cycles/pkt on-CPU | Mpps/worker | notes |\n");
	printf("|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|\n");
}

static void
result_print(const struct bench_result *r)
{
	printf("| %s | %s | %u | %s | %s | %u x %" PRIu64 " | %.0f | %.0f-%.0f | %.0f%% | %.0f |"
		" %.2f | %s |\n", r->what, r->rules, r->n_filters, r->layer, r->flows, r->windows,
		r->packets / (r->windows ? r->windows : 1), r->cycles_per_packet, r->cycles_min,
		r->cycles_max, 100 * r->cpu_share, r->cpu_cycles, r->mpps, r->note);
}

/* One measurement; appends its rows to res. Returns 0 or -1. */
static int
run_one(struct bench_opts o, struct bench_result *res, unsigned int *n_res)
{
	struct bench_set set;
	unsigned int n;

	defaults_apply(&o);
	printf("# %s, rules %s, layer %s, %s, warm-up %" PRIu64 ", measure %u x %" PRIu64
		" packets\n", o.mode == BENCH_MODE_CLASSIFY ? "classify" : "pipeline",
		o.rules_name, dfp_engine_layer_name(o.layer),
		o.mode == BENCH_MODE_CLASSIFY ? "no flows" : o.flows == BENCH_FLOWS_NEW ?
		"new flows" : "known flows", o.warmup, o.repeat, o.packets);
	if (o.mode == BENCH_MODE_PIPELINE && (o.proto != 0 || o.handshake))
		printf("# %s headers only%s\n", o.proto == 6 ? "TCP" : o.proto == 17 ? "UDP" :
			"TCP and UDP", o.handshake ? "; TCP flows open with a handshake" : "");
	if (bench_set_load(&o, &set) != 0)
		return -1;
	if (o.mode == BENCH_MODE_CLASSIFY)
		n = bench_classify_run(&o, &set, &res[*n_res]);
	else if (o.mode == BENCH_MODE_ADD_LATENCY)
		n = bench_add_latency_run(&o, &set, &res[*n_res]);
	else if (o.mode == BENCH_MODE_PEND_LATENCY)
		n = bench_pend_latency_run(&o, &set, &res[*n_res]);
	else
		n = bench_pipeline_run(&o, &set, &res[*n_res]);
	bench_set_free(&set);
	if (n == 0)
		return -1;
	*n_res += n;
	fflush(stdout);
	return 0;
}

/* The standard set (BENCHMARKS.md). */
static int
run_all(const struct bench_opts *base)
{
	static const struct {
		enum bench_mode mode;
		const char *rules;
		const char *layer;
		enum bench_flows flows;
		uint32_t n_flows;
	} runs[] = {
		{BENCH_MODE_CLASSIFY, "acl1_1K", "transport", BENCH_FLOWS_KNOWN, 0},
		{BENCH_MODE_CLASSIFY, "acl1_10K", "transport", BENCH_FLOWS_KNOWN, 0},
		{BENCH_MODE_PIPELINE, "none", "transport", BENCH_FLOWS_KNOWN, 1024},
		{BENCH_MODE_PIPELINE, "none", "transport", BENCH_FLOWS_NEW, 0},
		{BENCH_MODE_PIPELINE, "acl1_1K", "ippacket", BENCH_FLOWS_KNOWN, 1024},
		{BENCH_MODE_PIPELINE, "acl1_1K", "transport", BENCH_FLOWS_KNOWN, 1024},
		{BENCH_MODE_PIPELINE, "acl1_1K", "transport", BENCH_FLOWS_NEW, 0},
		{BENCH_MODE_PIPELINE, "acl1_1K", "ale", BENCH_FLOWS_NEW, 0},
		{BENCH_MODE_PIPELINE, "acl1_10K", "ippacket", BENCH_FLOWS_KNOWN, 1024},
		{BENCH_MODE_PIPELINE, "acl1_10K", "transport", BENCH_FLOWS_KNOWN, 1024},
		{BENCH_MODE_PIPELINE, "acl1_10K", "transport", BENCH_FLOWS_KNOWN, 65536},
		{BENCH_MODE_PIPELINE, "acl1_10K", "transport", BENCH_FLOWS_NEW, 0},
		{BENCH_MODE_PIPELINE, "acl1_10K", "ale", BENCH_FLOWS_NEW, 0},
	};
	struct bench_result res[RTE_DIM(runs) * BENCH_MAX_RESULTS];
	unsigned int i, n_res = 0;
	int rc = 0;

	for (i = 0; i < RTE_DIM(runs); i++) {
		struct bench_opts o = *base;

		o.mode = runs[i].mode;
		o.layer = (uint16_t)parse_layer(runs[i].layer);
		o.flows = runs[i].flows;
		if (runs[i].n_flows != 0)
			o.n_flows = runs[i].n_flows;
		if (set_rules(&o, runs[i].rules, NULL) != 0 || run_one(o, res, &n_res) != 0) {
			fprintf(stderr, "run %u failed\n", i + 1);
			rc = -1;
		}
	}
	table_header();
	for (i = 0; i < n_res; i++)
		result_print(&res[i]);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"all", no_argument, NULL, 'A'},
		{"rules", required_argument, NULL, 'r'},
		{"trace", required_argument, NULL, 't'},
		{"layer", required_argument, NULL, 'l'},
		{"flows", required_argument, NULL, 'f'},
		{"nflows", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"packets", required_argument, NULL, 'p'},
		{"burst", required_argument, NULL, 'b'},
		{"frames", required_argument, NULL, 'F'},
		{"repeat", required_argument, NULL, 'R'},
		{"no-prefault", no_argument, NULL, 'P'},
		{"proto", required_argument, NULL, 'T'},
		{"handshake", no_argument, NULL, 'H'},
		{"shared", required_argument, NULL, 's'},
		{"answers", required_argument, NULL, 'a'},
		{"json", required_argument, NULL, 'j'},
		{"capacity", required_argument, NULL, 'c'},
		{"singles", required_argument, NULL, 'S'},
		{"ports", required_argument, NULL, 'o'},
		{"size", required_argument, NULL, 'z'},
		{"count", no_argument, NULL, 'C'},
		{"samples", required_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct bench_result res[BENCH_MAX_RESULTS];
	const char *rules = DEFAULT_RULES, *trace = NULL;
	const char *env = getenv("DFP_SHARED_DIR");
	unsigned int n_res = 0, i;
	struct bench_opts o;
	bool all = false;
	uint64_t v;
	int c, rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "EAL initialisation failed\n");
		return 2;
	}
	argc -= rc;
	argv += rc;
	snprintf(shared_dir, sizeof(shared_dir), "%s", env != NULL ? env : DFP_BENCH_SHARED_DIR);
	opts_default(&o);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "classify") == 0)
				o.mode = BENCH_MODE_CLASSIFY;
			else if (strcmp(optarg, "pipeline") == 0)
				o.mode = BENCH_MODE_PIPELINE;
			else if (strcmp(optarg, "commit") == 0)
				o.mode = BENCH_MODE_COMMIT;
			else if (strcmp(optarg, "memory") == 0)
				o.mode = BENCH_MODE_MEMORY;
			else if (strcmp(optarg, "add-latency") == 0)
				o.mode = BENCH_MODE_ADD_LATENCY;
			else if (strcmp(optarg, "pend-latency") == 0)
				o.mode = BENCH_MODE_PEND_LATENCY;
			else
				goto bad_usage;
			break;
		case 'A':
			all = true;
			break;
		case 'r':
			rules = optarg;
			break;
		case 't':
			trace = optarg;
			break;
		case 'l':
			if (parse_layers(optarg, &o) != 0)
				goto bad_usage;
			break;
		case 'f':
			if (strcmp(optarg, "known") == 0)
				o.flows = BENCH_FLOWS_KNOWN;
			else if (strcmp(optarg, "new") == 0)
				o.flows = BENCH_FLOWS_NEW;
			else
				goto bad_usage;
			break;
		case 'n':
			if (parse_u64(optarg, 1u << 22, &v) != 0 || v == 0)
				goto bad_usage;
			o.n_flows = (uint32_t)v;
			break;
		case 'w':
			if (parse_u64(optarg, UINT32_MAX, &o.warmup) != 0)
				goto bad_usage;
			break;
		case 'p':
			if (parse_u64(optarg, UINT32_MAX, &o.packets) != 0 || o.packets == 0)
				goto bad_usage;
			break;
		case 'b':
			if (parse_u64(optarg, 64, &v) != 0 || v == 0)
				goto bad_usage;
			o.burst = (unsigned int)v;
			break;
		case 'F':
			if (parse_u64(optarg, 3072, &v) != 0 || v < 64)
				goto bad_usage;
			o.frames = (unsigned int)v;
			break;
		case 'R':
			if (parse_u64(optarg, BENCH_MAX_WINDOWS, &v) != 0 || v == 0)
				goto bad_usage;
			o.repeat = (unsigned int)v;
			break;
		case 'P':
			o.prefault = false;
			break;
		case 'T':
			if (strcmp(optarg, "tcp") == 0)
				o.proto = 6;
			else if (strcmp(optarg, "udp") == 0)
				o.proto = 17;
			else if (strcmp(optarg, "any") == 0)
				o.proto = 0;
			else
				goto bad_usage;
			break;
		case 'H':
			o.handshake = true;
			break;
		case 's':
			snprintf(shared_dir, sizeof(shared_dir), "%s", optarg);
			break;
		case 'a':
			snprintf(o.answers_path, sizeof(o.answers_path), "%s", optarg);
			break;
		case 'j':
			snprintf(o.json_path, sizeof(o.json_path), "%s", optarg);
			break;
		case 'c':
			if (parse_u64(optarg, 1u << 24, &v) != 0 || v == 0)
				goto bad_usage;
			o.capacity = (uint32_t)v;
			break;
		case 'S':
			if (parse_u64(optarg, 1000, &v) != 0)
				goto bad_usage;
			o.singles = (unsigned int)v;
			break;
		case 'o':
			if (strcmp(optarg, "null") == 0)
				o.ring_ports = false;
			else if (strcmp(optarg, "ring") == 0)
				o.ring_ports = true;
			else
				goto bad_usage;
			break;
		case 'z':
			if (parse_u64(optarg, 1514, &v) != 0 || v < 60)
				goto bad_usage;
			o.frame_size = (unsigned int)v;
			break;
		case 'C':
			o.count = true;
			break;
		case 'N':
			if (parse_u64(optarg, 1000000, &v) != 0 || v == 0)
				goto bad_usage;
			o.samples = (unsigned int)v;
			break;
		case 'h':
			usage(argv[0]);
			rte_eal_cleanup();
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (optind != argc || set_rules(&o, rules, trace) != 0 ||
			(o.handshake && o.flows != BENCH_FLOWS_KNOWN))
		goto bad_usage;

	printf("# dfp-bench: TSC %.3f GHz, %u lcores (main %u), %s, max SIMD %u bits\n",
		(double)rte_get_tsc_hz() / 1e9, rte_lcore_count(), rte_get_main_lcore(),
		rte_eal_has_hugepages() ? "hugepages" : "no hugepages",
		(unsigned int)rte_vect_get_max_simd_bitwidth());
	if (o.mode == BENCH_MODE_COMMIT) {
		rc = bench_commit_run(&o);
	} else if (o.mode == BENCH_MODE_MEMORY) {
		rc = bench_memory_run(&o);
	} else if (all) {
		rc = run_all(&o);
	} else {
		rc = run_one(o, res, &n_res);
		table_header();
		for (i = 0; i < n_res; i++)
			result_print(&res[i]);
		if (rc == 0 && o.json_path[0] != '\0')
			rc = bench_json_results(&o, res, n_res);
	}
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;

bad_usage:
	usage(argv[0]);
	rte_eal_cleanup();
	return 2;
}
