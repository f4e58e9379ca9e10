/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the console grammar: the input's lines go through
 * app_console_exec_n() (app/dfp/console.c), the one dispatcher of the
 * terminal, --cmdline-file and the control socket, into the cmd_*.c
 * handlers, on a running control plane.
 *
 * The appliance's state is built for every input the way main.c's
 * start_up() builds it (control plane, WFP binding, the appliance session,
 * a datapath on two net_ring ports, a YAML configuration with sublayers,
 * the three built-in modules and filters applied by app_config_apply()),
 * and torn down after it the way shut_down() does, so each input starts
 * from the same state and nothing it created survives. The lines run as
 * one control-socket client (its own session). This file defines what
 * main.c would (dfp_app, app_request_quit()); app/dfp needs no hook.
 *
 * Invariant: every line that is not empty or a comment gets exactly one
 * `status: NAME (0x........)` line, the last one it prints, naming the
 * status app_console_exec_n() returned; an empty or comment line prints
 * nothing. No crash, no sanitizer report, no leak.
 *
 * Fuzz-only limits (documented in RELIABILITY.md): `wait ...` lines are
 * skipped (they sleep up to 100 ms by design, or the timeout given);
 * `config load|check FILE` runs only with a FILE name without '/', in a
 * scratch directory holding two small configurations (a.yaml, b.yaml):
 * the fuzzer must not read or dlopen arbitrary files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "app.h"
#include "dfp_wfp.h"
#include "fuzz_eal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What main.c defines. */
static struct dfp_app the_app = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};
struct dfp_app *dfp_app = &the_app;

void
app_request_quit(int sig)
{
	if (sig != 0)
		dfp_app->quit_signal = sig;
	dfp_app->quit = 1;
}

#define MAX_LINES 64
/* console.c's CONSOLE_LINE_MAX. */
#define LINE_MAX_ 1024

static const char start_yaml[] =
	"version: 1\n"
	"ports:\n"
	"  - {name: wan, port: %u, role: outside, peer: lan}\n"
	"  - {name: lan, port: %u, role: inside, peer: wan}\n"
	"workers: {lcores: [1], burst: 32}\n"
	"flows: {capacity: 256, idle_timeout_s: 30, hold_packets: 8, pend_timeout_ms: 5000}\n"
	"sublayers:\n"
	"  - {name: firewall, key: 6a0d3c1e-2b4f-4e8a-9c71-0f5e3d2a1b90, weight: 0xC000}\n"
	"callouts:\n"
	"  - {name: counter, key: 3e8b1f0a-7c2d-4a5e-8b9f-1d6c0e2a4f71,\n"
	"     layer: ALE_FLOW_ESTABLISHED_V4, module: builtin:count, params: {max_flows: 64}}\n"
	"  - {name: approve, key: 8c4a2e6f-1b3d-4f7a-9e0c-5d2b8a1f3e64,\n"
	"     layer: ALE_AUTH_RECV_ACCEPT_V4, module: builtin:verdict, params: {default: block}}\n"
	"  - {name: limit, key: 1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b,\n"
	"     layer: ALE_AUTH_CONNECT_V4, module: builtin:conn_limit,\n"
	"     params: {max: 4, table_size: 64}}\n"
	"  - {name: spare, key: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d,\n"
	"     layer: ALE_AUTH_CONNECT_V6, module: builtin:verdict, register: false}\n"
	"filters:\n"
	"  - name: block-9090\n"
	"    layer: ALE_AUTH_RECV_ACCEPT_V4\n"
	"    sublayer: firewall\n"
	"    conditions:\n"
	"      - {field: IP_PROTOCOL, match: equal, value: tcp}\n"
	"      - {field: IP_LOCAL_PORT, match: equal, value: 9090}\n"
	"    action: block\n"
	"  - {name: approve-8081, layer: ALE_AUTH_RECV_ACCEPT_V4, sublayer: firewall,\n"
	"     conditions: [{field: IP_LOCAL_PORT, match: equal, value: 8081}],\n"
	"     action: callout_terminating, callout: approve}\n"
	"  - {name: limit-all, layer: ALE_AUTH_CONNECT_V4, action: callout_terminating,\n"
	"     callout: limit}\n"
	"  - {name: count-flows, layer: ALE_FLOW_ESTABLISHED_V4, action: callout_inspection,\n"
	"     callout: counter}\n"
	"  - {name: mac, layer: INBOUND_MAC_FRAME_ETHERNET, action: block,\n"
	"     conditions: [{field: ETHER_TYPE, match: equal, value: arp}]}\n";

/* config load a.yaml / b.yaml: objects only (ports and workers match or are absent). */
static const char b_yaml[] =
	"version: 1\n"
	"sublayers:\n"
	"  - {name: extra, weight: 7}\n"
	"callouts:\n"
	"  - {name: c2, key: 5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a, layer: ALE_FLOW_ESTABLISHED_V6,\n"
	"     module: builtin:count, params: {max_flows: 64}}\n"
	"filters:\n"
	"  - {name: f-extra, layer: OUTBOUND_TRANSPORT_V4, sublayer: extra, action: permit,\n"
	"     conditions: [{field: IP_REMOTE_PORT, match: range, value: 1000-2000}]}\n"
	"  - {name: f-c2, layer: ALE_FLOW_ESTABLISHED_V6, action: callout_inspection, callout: c2}\n"
	"  - {name: f-fw, layer: ALE_AUTH_CONNECT_V4, sublayer: firewall, action: permit,\n"
	"     flags: [clear_action_right]}\n";

static struct {
	struct rte_ring *rx[2], *tx[2];
	int out_fd;
	char dir[64];
	char yaml[4096];
} Z;

#define die(...) fuzz_die("fuzz_console", __VA_ARGS__)

static uint16_t
port_make(unsigned int i, const char *name)
{
	int rc = rte_eth_from_rings(name, &Z.rx[i], 1, &Z.tx[i], 1, (unsigned int)rte_socket_id());

	if (rc < 0)
		die("net_ring port %s: %s", name, rte_strerror(rte_errno));
	return (uint16_t)rc;
}

static void
write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		die("cannot write %s", name);
}

static void
scratch_remove(void)
{
	if (chdir(Z.dir) == 0) {
		unlink("a.yaml");
		unlink("b.yaml");
	}
	if (chdir("/") == 0)
		rmdir(Z.dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char n[32];
	unsigned int i;

	(void)argc;
	(void)argv;
	fuzz_eal_init("fuzz_console", 2);
	for (i = 0; i < 2; i++) {
		snprintf(n, sizeof(n), "fzc_rx%u", i);
		Z.rx[i] = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "fzc_tx%u", i);
		Z.tx[i] = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (Z.rx[i] == NULL || Z.tx[i] == NULL)
			die("rings");
	}
	if (app_log_init() != 0)
		die("app_log_init");
	Z.out_fd = memfd_create("fuzz_console_out", 0);
	if (Z.out_fd < 0)
		die("memfd_create: %s", strerror(errno));
	/* Scratch directory: the only files `config load|check` may name. */
	snprintf(Z.dir, sizeof(Z.dir), "/tmp/fuzz_console.XXXXXX");
	if (mkdtemp(Z.dir) == NULL || chdir(Z.dir) != 0)
		die("scratch directory: %s", strerror(errno));
	write_file("b.yaml", b_yaml);
	atexit(scratch_remove);
	return 0;
}

/* main.c's start_up(), with net_ring ports and the configuration above. */
static void
start_up(void)
{
	struct dfp_conf_errors *errs = calloc(1, sizeof(*errs));
	struct dfp_ctl_params cp;
	struct dfp_dp_conf dc;
	uint16_t wan, lan;
	dfp_status_t st;

	if (errs == NULL)
		die("memory");
	wan = port_make(0, "fzc_wan");
	lan = port_make(1, "fzc_lan");
	snprintf(Z.yaml, sizeof(Z.yaml), start_yaml, wan, lan);
	write_file("a.yaml", Z.yaml);
	if (dfp_conf_load("a.yaml", 0, &dfp_app->conf, errs) != DFP_STATUS_SUCCESS) {
		dfp_conf_errors_print(errs, stderr);
		die("start-up configuration");
	}
	free(errs);
	dfp_app->n_workers = 1;
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = 1;
	/* main.c takes the defaults (65536 handles, 2M filters): smaller is faster to set up. */
	cp.max_handles = 256;
	cp.engine.max_filters = 4096;
	cp.pend_timeout_ms = dfp_app->conf->flows.pend_timeout_ms;
	if (dfp_ctl_create(&cp, &dfp_app->ctl) != DFP_STATUS_SUCCESS)
		die("control plane");
	dfp_wfp_bind(dfp_app->ctl);
	if (dfp_ctl_session_open(dfp_app->ctl, 0, &dfp_app->session) != DFP_STATUS_SUCCESS)
		die("session");
	app_config_dp(dfp_app->conf, &dc);
	dc.mbufs = 512;
	if (dfp_dp_create(&dc, dfp_app->ctl, &dfp_app->dp) != DFP_STATUS_SUCCESS)
		die("datapath");
	st = app_config_apply(dfp_app->session, dfp_app->conf, false, stderr);
	if (st != DFP_STATUS_SUCCESS)
		die("configuration not applied: %s", dfp_status_name(st));
}

/* main.c's shut_down() (no control socket, no statistics printed). */
static void
shut_down(void)
{
	void *m;
	unsigned int i;

	if (dfp_app->dp != NULL)
		dfp_dp_stop(dfp_app->dp);
	app_callouts_shutdown();
	app_log_drain();
	/* Closes the ports (the rings are ours). */
	dfp_dp_free(dfp_app->dp);
	dfp_app->dp = NULL;
	/* rte_eth_from_rings() made vdevs net_ring_NAME: remove them so the names can be used again. */
	rte_vdev_uninit("net_ring_fzc_wan");
	rte_vdev_uninit("net_ring_fzc_lan");
	dfp_wfp_bind(NULL);
	dfp_ctl_session_close(dfp_app->session);
	dfp_app->session = NULL;
	dfp_ctl_destroy(dfp_app->ctl);
	dfp_app->ctl = NULL;
	dfp_conf_free(dfp_app->conf);
	dfp_app->conf = NULL;
	dfp_app->quit = 0;
	dfp_app->quit_signal = 0;
	for (i = 0; i < 2; i++) {
		while (rte_ring_dequeue(Z.tx[i], &m) == 0)
			rte_pktmbuf_free(m);
		while (rte_ring_dequeue(Z.rx[i], &m) == 0)
			rte_pktmbuf_free(m);
	}
}

/* What console.c prints for a line: 1 status line, or 0 for an empty or comment line. */
static unsigned int
status_lines_expected(const char *line, size_t len)
{
	size_t i;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > LINE_MAX_)
		return 1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return 1;
	}
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i == len || line[i] == '#' ? 0 : 1;
}

/* Lines the harness does not run (see the file comment). */
static bool
line_skipped(const char *line, size_t len)
{
	char buf[64];
	size_t i, n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	char w0[16], w1[16], w2[48];
	int k;

	for (i = 0; i < n; i++)
		buf[i] = line[i] == '\0' ? ' ' : line[i];
	buf[n] = '\0';
	k = sscanf(buf, "%15s %15s %47s", w0, w1, w2);
	if (k >= 1 && strcmp(w0, "wait") == 0)
		return true;
	if (k >= 1 && strcmp(w0, "config") == 0)
		return memchr(line, '/', len) != NULL || len >= sizeof(buf) - 1;
	return false;
}

static void
check_output(const char *line, size_t len, dfp_status_t st)
{
	static char out[1 << 20];
	unsigned int want = status_lines_expected(line, len), got = 0;
	char fmt[96], expect[128];
	const char *p, *last = NULL;
	ssize_t n;
	off_t size = lseek(Z.out_fd, 0, SEEK_END);

	if (size < 0 || lseek(Z.out_fd, 0, SEEK_SET) != 0)
		die("lseek");
	if ((size_t)size >= sizeof(out))
		die("%lld bytes of output for one line", (long long)size);
	n = read(Z.out_fd, out, (size_t)size);
	if (n != size)
		die("read");
	out[n] = '\0';
	if (ftruncate(Z.out_fd, 0) != 0 || lseek(Z.out_fd, 0, SEEK_SET) != 0)
		die("ftruncate");
	for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
		if (strncmp(p, "status: ", 8) == 0) {
			got++;
			last = p;
		}
	}
	if (got != want)
		die("line '%.*s' printed %u status lines, expected %u; output:\n%s", (int)len, line,
			got, want, out);
	if (want == 0)
		return;
	snprintf(expect, sizeof(expect), "status: %s\n", dfp_status_format(st, fmt, sizeof(fmt)));
	if (strcmp(last, expect) != 0)
		die("line '%.*s' ended with '%s', not the returned status '%s'; output:\n%s",
			(int)len, line, last, expect, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct app_client *c;
	unsigned int lines = 0;
	dfp_status_t st;

	start_up();
	c = app_client_new(Z.out_fd, "fuzz", true);
	if (c == NULL)
		die("client");
	while (p < end && lines++ < MAX_LINES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (!line_skipped(p, len)) {
			st = app_console_exec_n(c, p, len);
			check_output(p, len, st);
			app_log_drain();
		}
		dfp_app->quit = 0;
		p += len;
	}
	/* Closes the client's session: aborts its transaction. */
	app_client_free(c);
	shut_down();
	return 0;
}
