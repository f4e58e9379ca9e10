/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dfp: the appliance (DESIGN §2). Command line, configuration, EAL,
 * control plane, datapath, front ends (console, control socket,
 * telemetry), and shutdown in WFP unload order.
 *
 *   dfp [EAL options] -- [options]
 *
 * The main thread does the housekeeping (pend timeouts) and waits for a
 * quit (command, SIGINT, SIGTERM, end of the interactive console); the
 * console and every control-socket client run on their own threads.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "app.h"
#include "dfp_wfp.h"

#ifndef DFP_DEMO_CONFIG
#define DFP_DEMO_CONFIG "config/demo.yaml"
#endif

/* Exit statuses (DESIGN §2). */
#define EXIT_OK 0
#define EXIT_CONFIG 1
#define EXIT_USAGE 2

static struct dfp_app the_app = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};
struct dfp_app *dfp_app = &the_app;

/* --mbufs N (dfp extension): mbufs in the datapath's pool; 0 = sized from the ports. */
static uint32_t opt_mbufs;

/* Fewest mbufs --mbufs accepts: the pool's per-lcore cache needs 1.5 x 256 of them. */
#define MBUFS_MIN 512u
#define MBUFS_MAX (64u * 1024 * 1024)

/* How often the main thread looks at the ports' links (iterations of its 10 ms loop). */
#define LINK_POLL_EVERY 10

void
app_request_quit(int sig)
{
	if (sig != 0)
		dfp_app->quit_signal = sig;
	dfp_app->quit = 1;
}

static void
on_signal(int sig)
{
	app_request_quit(sig);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [options]\n"
		"  -f, --config FILE      YAML configuration (default: the bundled demo)\n"
		"  -i, --interactive      console on the terminal (testpmd-style)\n"
		"      --cmdline-file FILE run console commands from FILE after start-up\n"
		"      --control PATH     control socket speaking the console grammar (mode 0600)\n"
		"      --check-config     validate the configuration, print errors, exit 0/1\n"
		"      --auto-start       start forwarding at once (default when not interactive)\n"
		"      --no-auto-start    wait for the 'start' command (dfp extension)\n"
		"      --mbufs N          mbufs in the packet pool, %u..%u (dfp extension;\n"
		"                         default: sized from the ports' rings and workers)\n"
		"  -h, --help             this text\n"
		"EAL options may also come from the YAML 'eal:' list; the command line wins.\n"
		"Exit status: 0 clean quit, 1 configuration error, 2 bad usage.\n", prog,
		MBUFS_MIN, MBUFS_MAX);
}

enum {
	OPT_CMDLINE_FILE = 256,
	OPT_CONTROL,
	OPT_CHECK,
	OPT_AUTO_START,
	OPT_NO_AUTO_START,
	OPT_MBUFS,
};

/* Parse the application options (after "--"). 0 ok, 1 help shown, -1 bad usage. */
static int
parse_options(int argc, char **argv, struct app_options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"interactive", no_argument, NULL, 'i'},
		{"cmdline-file", required_argument, NULL, OPT_CMDLINE_FILE},
		{"control", required_argument, NULL, OPT_CONTROL},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"auto-start", no_argument, NULL, OPT_AUTO_START},
		{"no-auto-start", no_argument, NULL, OPT_NO_AUTO_START},
		{"mbufs", required_argument, NULL, OPT_MBUFS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long v;
	char *end;
	int c;

	o->auto_start = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:ih", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 'i': o->interactive = true; break;
		case OPT_CMDLINE_FILE: o->cmdline_file = optarg; break;
		case OPT_CONTROL: o->control = optarg; break;
		case OPT_CHECK: o->check_config = true; break;
		case OPT_AUTO_START: o->auto_start = 1; break;
		case OPT_NO_AUTO_START: o->auto_start = 0; break;
		case OPT_MBUFS:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
					v < MBUFS_MIN || v > MBUFS_MAX) {
				fprintf(stderr, "dfp: --mbufs '%s': a number of mbufs, %u..%u\n",
					optarg, MBUFS_MIN, MBUFS_MAX);
				return -1;
			}
			opt_mbufs = (uint32_t)v;
			break;
		case 'h': return 1;
		case ':':
			fprintf(stderr, "dfp: option '%s' needs a value\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "dfp: unknown option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dfp: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* The option name of an EAL argument ("--vdev=x" -> "--vdev"), or NULL. */
static size_t
opt_name_len(const char *a)
{
	const char *eq = strchr(a, '=');

	return eq != NULL ? (size_t)(eq - a) : strlen(a);
}

static bool
cli_has_option(char **cli, int n, const char *a)
{
	size_t len = opt_name_len(a);
	int i;

	for (i = 0; i < n; i++)
		if (cli[i][0] == '-' && opt_name_len(cli[i]) == len && strncmp(cli[i], a, len) == 0)
			return true;
	return false;
}

/*
 * EAL argv: argv[0], then the YAML's eal list minus the options the command
 * line also gives (an option's separate value goes with it), then the
 * command line's EAL options.
 */
static char **
eal_argv(char *prog, char **cli, int n_cli, const struct dfp_conf *c, int *argc_out)
{
	char **v = calloc((size_t)n_cli + c->n_eal + 2, sizeof(*v));
	int n = 0, i;
	unsigned int j;

	if (v == NULL)
		return NULL;
	v[n++] = prog;
	for (j = 0; j < c->n_eal; j++) {
		char *a = c->eal[j];

		if (a[0] == '-' && cli_has_option(cli, n_cli, a)) {
			if (strchr(a, '=') == NULL && j + 1 < c->n_eal && c->eal[j + 1][0] != '-')
				j++;
			continue;
		}
		v[n++] = a;
	}
	for (i = 0; i < n_cli; i++)
		v[n++] = cli[i];
	v[n] = NULL;
	*argc_out = n;
	return v;
}

static int
check_modules(const struct dfp_conf *c)
{
	unsigned int i, bad = 0;

	for (i = 0; i < c->n_callouts; i++) {
		const struct dfp_conf_callout *cc = &c->callouts[i];
		struct dfp_module_plugin *p = NULL;
		const struct dfp_module *m;
		char err[256];

		if (strncmp(cc->module, "builtin:", 8) == 0) {
			if (dfp_module_builtin(cc->module + 8) == NULL) {
				fprintf(stderr, "%s:%u:%u: no built-in module '%s' "
					"(count, verdict, conn_limit)\n", c->path, cc->module_pos.line,
					cc->module_pos.col, cc->module + 8);
				bad++;
			}
			continue;
		}
		if (dfp_module_plugin_load(cc->module, &p, &m, err, sizeof(err)) !=
				DFP_STATUS_SUCCESS) {
			fprintf(stderr, "%s:%u:%u: %s\n", c->path, cc->module_pos.line,
				cc->module_pos.col, err);
			bad++;
		}
		dfp_module_plugin_unload(p);
	}
	return bad == 0 ? 0 : -1;
}

static void *
console_thread(void *arg)
{
	(void)arg;
	if (dfp_app->opt.cmdline_file != NULL)
		app_console_run_file(dfp_app->opt.cmdline_file);
	if (dfp_app->opt.interactive && !dfp_app->quit) {
		app_console_interactive();
		app_request_quit(0);
	}
	return NULL;
}

/* Workers: the YAML's lcores, else every enabled lcore but the main one. */
static void
default_workers(struct dfp_conf *c)
{
	unsigned int lc;

	if (c->workers.n_lcores != 0)
		return;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (c->workers.n_lcores < DFP_CONF_MAX_LCORES)
			c->workers.lcores[c->workers.n_lcores++] = lc;
	}
}

static int
start_up(void)
{
	struct dfp_ctl_params cp;
	struct dfp_dp_conf dc;
	struct dfp_conf *c = dfp_app->conf;
	dfp_status_t st;

	if (app_log_init() != 0)
		return EXIT_CONFIG;
	default_workers(c);
	if (c->workers.n_lcores == 0) {
		fprintf(stderr, "dfp: no worker lcore: give EAL -l with at least two lcores "
			"(the first one runs the control thread)\n");
		return EXIT_CONFIG;
	}
	dfp_app->n_workers = c->workers.n_lcores;
	memset(&cp, 0, sizeof(cp));
	cp.n_workers = c->workers.n_lcores;
	cp.pend_timeout_ms = c->flows.pend_timeout_ms;
	st = dfp_ctl_create(&cp, &dfp_app->ctl);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "dfp: control plane: %s\n", dfp_status_name(st));
		return EXIT_CONFIG;
	}
	dfp_wfp_bind(dfp_app->ctl);
	st = dfp_ctl_session_open(dfp_app->ctl, 0, &dfp_app->session);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "dfp: session: %s\n", dfp_status_name(st));
		return EXIT_CONFIG;
	}
	if (!c->has_ports || c->n_ports == 0) {
		fprintf(stderr, "%s: no ports: the appliance needs at least one pair\n", c->path);
		return EXIT_CONFIG;
	}
	app_config_dp(c, &dc);
	dc.mbufs = opt_mbufs;
	st = dfp_dp_create(&dc, dfp_app->ctl, &dfp_app->dp);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "%s: ports or workers could not be set up: %s "
			"(see the log above)\n", c->path, dfp_status_name(st));
		return EXIT_CONFIG;
	}
	st = app_config_apply(dfp_app->session, c, false, stderr);
	if (st != DFP_STATUS_SUCCESS) {
		fprintf(stderr, "%s: configuration not applied: %s\n", c->path,
			dfp_status_name(st));
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

static void
shut_down(void)
{
	/* WFP unload order (DESIGN §1): stop rx, complete pends, end flows, unregister, free. */
	app_control_stop();
	if (dfp_app->dp != NULL)
		dfp_dp_stop(dfp_app->dp);
	if (dfp_app->ctl != NULL) {
		app_callouts_shutdown();
		app_log_drain();
		printf("--- final statistics ---\n");
		app_stats_emit(app_emit_file, stdout);
		fflush(stdout);
	}
	dfp_dp_free(dfp_app->dp);
	dfp_app->dp = NULL;
	app_log_fini();
	if (dfp_app->ctl != NULL) {
		dfp_wfp_bind(NULL);
		dfp_ctl_session_close(dfp_app->session);
		dfp_ctl_destroy(dfp_app->ctl);
		dfp_app->ctl = NULL;
	}
}

int
main(int argc, char **argv)
{
	struct dfp_conf_errors *errs;
	struct app_options *o = &dfp_app->opt;
	char **eal;
	int split = argc, n_eal, rc, r;
	pthread_t console;
	bool console_started = false;
	unsigned int link_tick = 0;
	dfp_status_t st;

	for (r = 1; r < argc; r++) {
		if (strcmp(argv[r], "--") == 0) {
			split = r;
			break;
		}
	}
	if (split == argc) {
		/* No "--": -h/--help alone is still understood. */
		for (r = 1; r < argc; r++) {
			if (strcmp(argv[r], "-h") == 0 || strcmp(argv[r], "--help") == 0) {
				usage(stdout, argv[0]);
				return EXIT_OK;
			}
		}
	} else {
		char **av = argv + split;

		av[0] = argv[0];
		r = parse_options(argc - split, av, o);
		argv[split] = (char *)"--";
		if (r == 1) {
			usage(stdout, argv[0]);
			return EXIT_OK;
		}
		if (r < 0) {
			usage(stderr, argv[0]);
			return EXIT_USAGE;
		}
	}
	if (o->config == NULL)
		o->config = DFP_DEMO_CONFIG;

	errs = calloc(1, sizeof(*errs));
	if (errs == NULL)
		return EXIT_CONFIG;
	st = dfp_conf_load(o->config, 0, &dfp_app->conf, errs);
	if (st != DFP_STATUS_SUCCESS) {
		dfp_conf_errors_print(errs, stderr);
		free(errs);
		return EXIT_CONFIG;
	}
	free(errs);
	if (o->check_config) {
		rc = check_modules(dfp_app->conf) == 0 ? EXIT_OK : EXIT_CONFIG;
		if (rc == EXIT_OK)
			printf("configuration valid: %s (%u ports, %u sublayers, %u callouts, %u filters)\n",
				dfp_app->conf->path, dfp_app->conf->n_ports,
				dfp_app->conf->n_sublayers, dfp_app->conf->n_callouts,
				dfp_app->conf->n_filters);
		dfp_conf_free(dfp_app->conf);
		return rc;
	}

	eal = eal_argv(argv[0], argv + 1, split - 1, dfp_app->conf, &n_eal);
	if (eal == NULL)
		return EXIT_CONFIG;
	if (rte_eal_init(n_eal, eal) < 0) {
		fprintf(stderr, "dfp: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		free(eal);
		dfp_conf_free(dfp_app->conf);
		return EXIT_CONFIG;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_pdump_init() != 0)
		fprintf(stderr, "dfp: pdump unavailable (secondary processes need a primary "
			"with shared config: %s)\n", rte_strerror(rte_errno));

	rc = start_up();
	if (rc == EXIT_OK) {
		app_telemetry_register();
		if (o->auto_start == 1 || (o->auto_start == -1 && !o->interactive)) {
			st = dfp_dp_start(dfp_app->dp);
			if (st != DFP_STATUS_SUCCESS) {
				fprintf(stderr, "dfp: cannot start forwarding: %s\n",
					dfp_status_name(st));
				rc = EXIT_CONFIG;
			}
		}
	}
	if (rc == EXIT_OK && o->control != NULL && app_control_start(o->control) != 0)
		rc = EXIT_CONFIG;
	if (rc == EXIT_OK && (o->cmdline_file != NULL || o->interactive)) {
		if (pthread_create(&console, NULL, console_thread, NULL) == 0)
			console_started = true;
	}
	while (rc == EXIT_OK && !dfp_app->quit) {
		if (dfp_app->ctl != NULL)
			dfp_callout_pend_expire(dfp_ctl_callouts(dfp_app->ctl));
		/* Link changes: counted, logged (WARNING on down), shown by show port info. */
		if (++link_tick >= LINK_POLL_EVERY) {
			link_tick = 0;
			dfp_dp_link_poll(dfp_app->dp);
		}
		app_log_drain();
		usleep(10000);
	}
	if (dfp_app->quit_signal != 0)
		printf("\ndfp: signal %d received, shutting down\n", dfp_app->quit_signal);
	if (console_started)
		pthread_join(console, NULL);
	shut_down();
	rte_pdump_uninit();
	dfp_conf_free(dfp_app->conf);
	rte_eal_cleanup();
	free(eal);
	return rc;
}
