/* rr-dump --plot: a recording's timeline, drawn with cairo into SVG or PNG.
 *
 * One pass over the events, memory independent of the log's length: per kind, a
 * histogram of NBINS bins over icount whose width doubles (neighbouring bins merged)
 * whenever an event falls past the last bin, so that the bins always cover between
 * half and all of the span read so far.  Each pixel column of a lane then shows the
 * events of that kind in its icount range: a tick whose height grows with their
 * number (log scale).  SNAPSHOTs are also drawn as lines across every lane.
 *
 * Idle stretches: rr-run logs no event while the guest idles (the machine jumps to
 * the next timer deadline), and it logs a STATE_HASH every hash-interval
 * instructions *executed* (the "hash-interval" header pair).  So a stretch of icount
 * longer than 2 x hash-interval with no event at all is one in which at least half of
 * the icounts passed without an instruction: the guest idled for most of it.  That is
 * what is shaded, and the legend says so.  Without a hash interval (a QEMU log, or
 * hashes off) only the fact is drawn: long stretches without an event.  IDLE events,
 * where a log has them, are exact and shaded as such. */
#define _GNU_SOURCE
#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plot.h"

#define NBINS 4096
#define MAX_SNAPS 4096
#define MAX_GAPS 65536

struct span { uint64_t a, b; };

struct plot {
	char name[256], tool[128], truncated[256];
	uint64_t from, to;              /* the window asked for */
	int have_first;
	uint64_t first, last;           /* icounts of the first and last event read */
	uint64_t origin, width;         /* bin i covers [origin + i*width, + width) */
	uint64_t (*bins)[NBINS];        /* [RRLOG_KIND_COUNT][NBINS] */
	uint64_t total[RRLOG_KIND_COUNT], events, shown;
	uint64_t snaps[MAX_SNAPS];
	size_t nsnaps, snaps_dropped;
	uint64_t hash_interval;         /* 0: unknown */
	uint64_t gap_floor;             /* gaps below it are not kept */
	struct span *gaps;              /* stretches without an event */
	size_t ngaps;
	struct span *idles;             /* IDLE events: exact */
	size_t nidles, idles_cap;
	int prev_set;
	uint64_t prev;
};

int plot_format(const char *out)
{
	size_t n = strlen(out);
	if (n > 4 && !strcasecmp(out + n - 4, ".svg")) return 0;
	if (n > 4 && !strcasecmp(out + n - 4, ".png")) return 1;
	return -1;
}

struct plot *plot_new(const struct rrlog_header_info *h, const char *name, uint64_t from, uint64_t to)
{
	struct plot *p = calloc(1, sizeof *p);
	if (!p) return NULL;
	p->bins = calloc(RRLOG_KIND_COUNT, sizeof *p->bins);
	p->gaps = malloc(MAX_GAPS * sizeof *p->gaps);
	if (!p->bins || !p->gaps) { plot_free(p); return NULL; }
	const char *b = strrchr(name, '/');
	snprintf(p->name, sizeof p->name, "%s", b && b[1] ? b + 1 : name);
	snprintf(p->tool, sizeof p->tool, "%s", h->tool ? h->tool : "");
	p->from = from;
	p->to = to;
	p->width = 1;
	const char *hi = rrlog_header_get(h, "hash-interval");
	if (hi) {
		char *e;
		unsigned long long v = strtoull(hi, &e, 10);
		if (*hi && !*e && v && v < UINT64_MAX / 4) p->hash_interval = v;
	}
	p->gap_floor = p->hash_interval ? 2 * p->hash_interval : 1;
	return p;
}

void plot_free(struct plot *p)
{
	if (!p) return;
	free(p->bins);
	free(p->gaps);
	free(p->idles);
	free(p);
}

void plot_truncated(struct plot *p, const char *why)
{
	snprintf(p->truncated, sizeof p->truncated, "%s", why && *why ? why : "truncated");
}

/* Too many gaps kept (no hash interval to bound them): keep the longer half. */
static int cmp_len(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	uint64_t la = a->b - a->a, lb = b->b - b->a;
	return la < lb ? 1 : la > lb ? -1 : 0;
}
static int cmp_start(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	return a->a < b->a ? -1 : a->a > b->a;
}
static void prune_gaps(struct plot *p)
{
	qsort(p->gaps, p->ngaps, sizeof *p->gaps, cmp_len);
	p->ngaps /= 2;
	p->gap_floor = p->gaps[p->ngaps - 1].b - p->gaps[p->ngaps - 1].a + 1;
	qsort(p->gaps, p->ngaps, sizeof *p->gaps, cmp_start);
}

void plot_event(struct plot *p, const struct rrlog_event *ev, int shown)
{
	uint64_t ic = ev->icount;
	if (!p->have_first) {
		p->have_first = 1;
		p->first = ic;
		p->origin = p->from ? p->from : ic;
		if (p->origin > ic) p->origin = ic;
	}
	p->last = ic;
	p->events++;
	if (p->prev_set && ic - p->prev >= p->gap_floor) {
		if (p->ngaps == MAX_GAPS) prune_gaps(p);
		if (ic - p->prev >= p->gap_floor) p->gaps[p->ngaps++] = (struct span){ p->prev, ic };
	}
	p->prev_set = 1;
	p->prev = ic;
	if (ev->kind == RRLOG_IDLE && ev->value < ic) {
		if (p->nidles == p->idles_cap) {
			size_t c = p->idles_cap ? 2 * p->idles_cap : 64;
			struct span *n = realloc(p->idles, c * sizeof *n);
			if (n) { p->idles = n; p->idles_cap = c; }
		}
		if (p->nidles < p->idles_cap) p->idles[p->nidles++] = (struct span){ ev->value, ic };
	}
	if (!shown || ev->kind == RRLOG_END) return;
	p->shown++;
	p->total[ev->kind]++;
	if (ev->kind == RRLOG_SNAPSHOT) {
		if (p->nsnaps < MAX_SNAPS) p->snaps[p->nsnaps++] = ic;
		else p->snaps_dropped++;
	}
	uint64_t i = (ic - p->origin) / p->width;
	while (i >= NBINS) {            /* double the bin width */
		for (int k = 0; k < RRLOG_KIND_COUNT; k++) {
			uint64_t *b = p->bins[k];
			for (int j = 0; j < NBINS / 2; j++) b[j] = b[2 * j] + b[2 * j + 1];
			memset(b + NBINS / 2, 0, NBINS / 2 * sizeof *b);
		}
		p->width *= 2;
		i = (ic - p->origin) / p->width;
	}
	p->bins[ev->kind][i]++;
}

/* ---- drawing ---- */

#define W 1200
#define ML 190                  /* left margin: lane labels */
#define MR 30
#define FW (W - ML - MR)        /* the frame's width */
#define PAD 6                   /* icounts start PAD pixels inside the frame */
#define PW (FW - 2 * PAD)       /* plot width in pixels: one column per pixel */
#define PX (ML + PAD)           /* x of the first column */
#define TOP 70                  /* first lane */
#define LANE 24

struct rgb { double r, g, b; };
/* A categorical palette (distinguishable, readable on white). */
static const struct rgb palette[] = {
	{ 0.12, 0.47, 0.71 }, { 1.00, 0.50, 0.05 }, { 0.17, 0.63, 0.17 }, { 0.84, 0.15, 0.16 },
	{ 0.58, 0.40, 0.74 }, { 0.55, 0.34, 0.29 }, { 0.89, 0.47, 0.76 }, { 0.50, 0.50, 0.50 },
	{ 0.74, 0.74, 0.13 }, { 0.09, 0.75, 0.81 },
};
static const struct rgb c_snap = { 0.70, 0.05, 0.05 }, c_hash = { 0.10, 0.55, 0.25 };

static void color(cairo_t *cr, struct rgb c, double a) { cairo_set_source_rgba(cr, c.r, c.g, c.b, a); }

static void text(cairo_t *cr, double x, double y, double size, int bold, int align /* -1 0 1 */,
                 const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents_t te;
	cairo_text_extents(cr, buf, &te);
	double dx = align < 0 ? 0 : align == 0 ? -te.x_advance / 2 : -te.x_advance;
	cairo_move_to(cr, x + dx, y);
	cairo_show_text(cr, buf);
}
static double text_width(cairo_t *cr, double size, const char *s)
{
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents_t te;
	cairo_text_extents(cr, s, &te);
	return te.x_advance;
}

/* An icount for a label: 12345, 1.5e6, 1.23e9 (the forms -A and -B accept). */
static void fmt_ic(char *b, size_t n, double v)
{
	if (v < 100000) { snprintf(b, n, "%.0f", v); return; }
	int e = (int)floor(log10(v));
	double m = v / pow(10, e);
	if (m >= 9.9995) { m /= 10; e++; }
	snprintf(b, n, "%.4g", m);
	size_t l = strlen(b);
	snprintf(b + l, n - l, "e%d", e);
}

struct view { double x0, x1; int nl; int lanes[RRLOG_KIND_COUNT]; double bottom; };

static double xpos(const struct view *v, double ic)
{
	return PX + (ic - v->x0) / (v->x1 - v->x0) * PW;
}

static void draw_stretches(cairo_t *cr, const struct view *v, const struct span *s, size_t n, uint64_t min,
                           struct rgb c, double alpha)
{
	color(cr, c, alpha);
	for (size_t i = 0; i < n; i++) {
		if (s[i].b - s[i].a < min || s[i].b <= v->x0 || s[i].a >= v->x1) continue;
		double a = xpos(v, s[i].a < v->x0 ? v->x0 : s[i].a), b = xpos(v, s[i].b > v->x1 ? v->x1 : s[i].b);
		if (b - a < 1) b = a + 1;
		cairo_rectangle(cr, a, TOP - 4, b - a, v->bottom - TOP + 4);
	}
	cairo_fill(cr);
}

static void draw(cairo_t *cr, struct plot *p, const struct view *v, uint64_t gap_min)
{
	char b1[64], b2[64];
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	/* Title. */
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text(cr, 16, 24, 16, 1, -1, "%s", p->name);
	fmt_ic(b1, sizeof b1, v->x0);
	fmt_ic(b2, sizeof b2, v->x1);
	text(cr, 16, 44, 12, 0, -1, "%llu events (%llu drawn), icount %s .. %s%s%s", (unsigned long long)p->events,
	     (unsigned long long)p->shown, b1, b2, *p->tool ? ", recorded by " : "", p->tool);
	if (*p->truncated) {
		cairo_set_source_rgb(cr, 0.75, 0.0, 0.0);
		text(cr, 16, 60, 11, 1, -1, "log truncated after the last event drawn: %s", p->truncated);
	}
	if (!v->nl) {
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		text(cr, PX + PW / 2, TOP + 20, 13, 0, 0, "no events to draw");
	}
	/* Lane backgrounds, then the stretches without events over all lanes. */
	for (int l = 0; l < v->nl; l++) {
		if (l % 2) cairo_set_source_rgb(cr, 0.955, 0.955, 0.965);
		else cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_rectangle(cr, ML, TOP + l * LANE, FW, LANE);
		cairo_fill(cr);
	}
	struct rgb c_idle = { 0.55, 0.62, 0.78 };
	draw_stretches(cr, v, p->gaps, p->ngaps, gap_min, c_idle, 0.30);
	draw_stretches(cr, v, p->idles, p->nidles, 0, (struct rgb){ 0.35, 0.45, 0.70 }, 0.35);
	/* Lanes: label, and per pixel column a tick for the events in it. */
	static uint64_t col[PW];
	double span = v->x1 - v->x0;
	for (int l = 0; l < v->nl; l++) {
		int k = v->lanes[l];
		double y0 = TOP + l * LANE;
		struct rgb c = k == RRLOG_SNAPSHOT ? c_snap : k == RRLOG_STATE_HASH ? c_hash
		             : palette[l % (sizeof palette / sizeof palette[0])];
		color(cr, c, 1);
		text(cr, 16, y0 + LANE / 2 + 4, 11, 1, -1, "%s", rrlog_kind_name(k));
		cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
		text(cr, ML - 8, y0 + LANE / 2 + 4, 11, 0, 1, "%llu", (unsigned long long)p->total[k]);
		memset(col, 0, sizeof col);
		uint64_t mx = 0;
		for (int i = 0; i < NBINS; i++) {
			uint64_t n = p->bins[k][i];
			if (!n) continue;
			double mid = (double)p->origin + (i + 0.5) * (double)p->width;
			if (mid < v->x0) mid = v->x0;
			if (mid > v->x1) mid = v->x1;
			int cx = span > 0 ? (int)((mid - v->x0) / span * PW) : PW / 2;
			if (cx >= PW) cx = PW - 1;
			if (cx < 0) cx = 0;
			col[cx] += n;
			if (col[cx] > mx) mx = col[cx];
		}
		color(cr, c, 0.9);
		double hmax = LANE - 6;
		for (int x = 0; x < PW; x++) {
			if (!col[x]) continue;
			double f = mx > 1 ? log1p((double)col[x]) / log1p((double)mx) : 1;
			double h = hmax * (0.3 + 0.7 * f);
			cairo_rectangle(cr, PX + x, y0 + LANE - 3 - h, 1, h);
		}
		cairo_fill(cr);
	}
	/* Snapshots: a line across every lane and a mark above. */
	cairo_set_line_width(cr, 1);
	double dash[] = { 4, 3 };
	for (size_t i = 0; i < p->nsnaps; i++) {
		if (p->snaps[i] < v->x0 || p->snaps[i] > v->x1) continue;
		double x = floor(xpos(v, p->snaps[i])) + 0.5;
		color(cr, c_snap, 0.8);
		cairo_set_dash(cr, dash, 2, 0);
		cairo_move_to(cr, x, TOP - 4);
		cairo_line_to(cr, x, v->bottom);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_move_to(cr, x - 4, TOP - 11);
		cairo_line_to(cr, x + 4, TOP - 11);
		cairo_line_to(cr, x, TOP - 4);
		cairo_close_path(cr);
		cairo_fill(cr);
	}
	/* Frame and the icount axis: ticks at 1, 2 or 5 times a power of ten. */
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, ML + 0.5, TOP - 4 + 0.5, FW - 1, v->bottom - TOP + 4 - 1);
	cairo_stroke(cr);
	double raw = span / 8, step = 1;
	if (raw > 1) {
		double mag = pow(10, floor(log10(raw)));
		step = mag * (raw <= mag ? 1 : raw <= 2 * mag ? 2 : raw <= 5 * mag ? 5 : 10);
	}
	double yb = v->bottom;
	for (double t = ceil(v->x0 / step) * step; t <= v->x1 + step * 1e-9; t += step) {
		double x = floor(xpos(v, t)) + 0.5;
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		cairo_move_to(cr, x, yb);
		cairo_line_to(cr, x, yb + 5);
		cairo_stroke(cr);
		cairo_set_source_rgba(cr, 0.2, 0.2, 0.2, 0.12);
		cairo_move_to(cr, x, TOP - 4);
		cairo_line_to(cr, x, yb);
		cairo_stroke(cr);
		fmt_ic(b1, sizeof b1, t);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		text(cr, x, yb + 18, 11, 0, 0, "%s", b1);
	}
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	text(cr, PX + PW / 2, yb + 36, 12, 1, 0, "icount (instructions retired)");
	/* Legend. */
	double lx = ML, ly = yb + 58;
	char idle[200];
	fmt_ic(b1, sizeof b1, (double)gap_min);
	if (p->hash_interval)
		snprintf(idle, sizeof idle, "idle: no event for >= %s icounts (2 x hash interval), so no "
		         "instruction ran for at least half of it", b1);
	else
		snprintf(idle, sizeof idle, "no event for >= %s icounts (the guest may have idled)", b1);
	color(cr, c_idle, 0.45);
	cairo_rectangle(cr, lx, ly - 10, 18, 12);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	text(cr, lx + 24, ly, 11, 0, -1, "%s", idle);
	lx += 24 + text_width(cr, 11, idle) + 24;
	if (p->nidles) {
		color(cr, (struct rgb){ 0.35, 0.45, 0.70 }, 0.5);
		cairo_rectangle(cr, lx, ly - 10, 18, 12);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
		text(cr, lx + 24, ly, 11, 0, -1, "IDLE events");
		lx += 24 + text_width(cr, 11, "IDLE events") + 24;
	}
	ly += 20;
	lx = ML;
	color(cr, c_snap, 0.9);
	cairo_set_dash(cr, dash, 2, 0);
	cairo_move_to(cr, lx + 9.5, ly - 12);
	cairo_line_to(cr, lx + 9.5, ly + 2);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	const char *s1 = p->snaps_dropped ? "SNAPSHOT (the first 4096 drawn as lines)" : "SNAPSHOT";
	text(cr, lx + 24, ly, 11, 0, -1, "%s", s1);
	lx += 24 + text_width(cr, 11, s1) + 24;
	color(cr, c_hash, 1);
	cairo_rectangle(cr, lx + 8, ly - 12, 2, 14);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
	text(cr, lx + 24, ly, 11, 0, -1, "STATE_HASH");
	lx += 24 + text_width(cr, 11, "STATE_HASH") + 24;
	fmt_ic(b1, sizeof b1, span / PW);
	text(cr, lx, ly, 11, 0, -1, "tick height: events in one pixel column (%s icounts), log scale;"
	     " lane label: events of that kind", b1);
}

struct sink { FILE *f; int err; };
static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;
	if (fwrite(data, 1, len, s->f) != len) { s->err = errno ? errno : EIO; return CAIRO_STATUS_WRITE_ERROR; }
	return CAIRO_STATUS_SUCCESS;
}

int plot_write(struct plot *p, const char *out, char *err, size_t errlen)
{
	int fmt = plot_format(out);
	if (fmt < 0) { snprintf(err, errlen, "not a .svg or .png name"); return -1; }
	/* The view: the window asked for, else the events read. */
	struct view v = { 0 };
	v.x0 = p->from ? (double)p->from : (double)p->first;
	v.x1 = p->to != UINT64_MAX ? (double)p->to : (double)p->last;
	if (p->have_first && (double)p->last < v.x1) v.x1 = (double)p->last;
	if (p->have_first && (double)p->first > v.x0 && !p->from) v.x0 = (double)p->first;
	if (v.x1 <= v.x0) { v.x1 = v.x0 + 1; }
	for (int k = 0; k < RRLOG_KIND_COUNT; k++)
		if (p->total[k]) v.lanes[v.nl++] = k;
	v.bottom = TOP + (v.nl ? v.nl : 2) * LANE;
	int height = (int)v.bottom + 100;
	/* Stretches drawn: >= 2 x hash interval, or without one the longest (>= 1% of
	 * the view, or the floor the pruning left). */
	uint64_t gap_min = p->gap_floor;
	if (!p->hash_interval) {
		uint64_t m = (uint64_t)((v.x1 - v.x0) / 100);
		if (m > gap_min) gap_min = m;
	}

	/* A temporary file beside out, renamed over it at the end. */
	char tmp[4096];
	const char *slash = strrchr(out, '/');
	int dl = slash ? (int)(slash - out + 1) : 0;
	if (snprintf(tmp, sizeof tmp, "%.*s.%s.XXXXXX", dl, out, slash ? slash + 1 : out) >= (int)sizeof tmp) {
		snprintf(err, errlen, "name too long");
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) { snprintf(err, errlen, "cannot create: %s", strerror(errno)); return -1; }
	mode_t um = umask(0);       /* mkstemp makes it 0600: give it what creat would */
	umask(um);
	fchmod(fd, 0666 & ~um);
	struct sink s = { fdopen(fd, "wb"), 0 };
	if (!s.f) { snprintf(err, errlen, "%s", strerror(errno)); close(fd); unlink(tmp); return -1; }
	cairo_surface_t *sf = fmt == 0 ? cairo_svg_surface_create_for_stream(sink_write, &s, W, height)
	                               : cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, height);
	cairo_t *cr = cairo_create(sf);
	draw(cr, p, &v, gap_min);
	cairo_status_t cst = cairo_status(cr);
	cairo_destroy(cr);
	if (cst == CAIRO_STATUS_SUCCESS) {
		if (fmt == 1) cst = cairo_surface_write_to_png_stream(sf, sink_write, &s);
		cairo_surface_finish(sf);
		if (cst == CAIRO_STATUS_SUCCESS) cst = cairo_surface_status(sf);
	}
	cairo_surface_destroy(sf);
	/* Drop cairo's font caches (and with them fontconfig's patterns), so that a leak
	 * checker sees no memory held at exit: one picture per process. */
	cairo_debug_reset_static_data();
	FcFini();
	int ok = cst == CAIRO_STATUS_SUCCESS && !s.err;
	if (fflush(s.f) || fsync(fileno(s.f))) { if (!s.err) s.err = errno; ok = 0; }
	if (fclose(s.f)) { if (!s.err) s.err = errno; ok = 0; }
	if (!ok) {
		snprintf(err, errlen, "write error: %s", s.err ? strerror(s.err) : cairo_status_to_string(cst));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, out)) {
		snprintf(err, errlen, "cannot create: %s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
