/* SPDX-License-Identifier: ISC */
/*
 * The show verbs' listings, from one description each (struct
 * listing): the lines the node sends, read into strings, printed as
 * columns under a header, or "none", or with -j as one JSON object
 * { key: [ { column: value, ... }, ... ] }.  A column is as wide as
 * its widest value, at least its width, the same on every line; the
 * last one (a route, a detail) may run to the end of the line.
 */
#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ockam.h"
#include "ockamctl.h"

#define LIST_ROWS_MAX	(1 << 20)

struct rows {
	const struct listing	*l;
	char			***row;		/* nfields strings each */
	size_t			 n, cap;
};

/* A listing's line of n strings, and nothing after them; -1 if not. */
int
cur_fields(struct cursor *cur, char f[][FIELD_MAX], int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		cur_string(cur, f[i], FIELD_MAX);
	return (cur_end(cur));
}

static int
rows_add(void *arg, struct cursor *cur)
{
	struct rows	*r = arg;
	char		 (*f)[FIELD_MAX], **row;
	int		 i, nf = r->l->nfields;

	if ((f = calloc(nf, FIELD_MAX)) == NULL)
		err(1, NULL);
	if ((r->l->decode != NULL ? r->l->decode(cur, f) :
	    cur_fields(cur, f, nf)) == -1) {
		free(f);
		return (-1);
	}
	if (r->n == r->cap) {
		if (r->cap >= LIST_ROWS_MAX)
			errx(1, "more than %d lines", LIST_ROWS_MAX);
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		if ((r->row = reallocarray(r->row, r->cap,
		    sizeof(*r->row))) == NULL)
			err(1, NULL);
	}
	if ((row = calloc(nf, sizeof(*row))) == NULL)
		err(1, NULL);
	for (i = 0; i < nf; i++)
		if ((row[i] = strdup(f[i])) == NULL)
			err(1, NULL);
	free(f);
	r->row[r->n++] = row;
	return (0);
}

static void
print_json(const struct rows *r)
{
	const struct listing	*l = r->l;
	const struct column	*c;
	size_t			 i;

	json_object(NULL);
	json_array(l->key);
	for (i = 0; i < r->n; i++) {
		json_object(NULL);
		for (c = l->cols; c < l->cols + l->ncols; c++) {
			if (c->flags & COL_NUM)
				json_number(c->key, r->row[i][c->field]);
			else
				json_string(c->key, r->row[i][c->field]);
		}
		json_end();
	}
	json_end();
	json_end();
}

static const char *
cell(const struct column *c, char **row)
{
	if (row == NULL)
		return (c->head);
	if ((c->flags & COL_DASH) && row[c->field][0] == '\0')
		return ("-");
	return (row[c->field]);
}

/* A line: the header when row is NULL. */
static void
print_line(const struct listing *l, const int *w, char **row)
{
	const struct column	*c, *last = NULL;

	for (c = l->cols; c < l->cols + l->ncols; c++)
		if (c->head != NULL)
			last = c;
	for (c = l->cols; c < l->cols + l->ncols; c++) {
		if (c->head == NULL)
			continue;
		if (c == last)
			printf("%s\n", cell(c, row));
		else if ((c->flags & COL_RIGHT) && row != NULL)
			printf("%*s ", w[c - l->cols], cell(c, row));
		else
			printf("%-*s ", w[c - l->cols], cell(c, row));
	}
}

static void
print_human(const struct rows *r, int flags)
{
	const struct listing	*l = r->l;
	const struct column	*c;
	size_t			 i, len;
	int			*w;

	if (r->n == 0) {
		printf("none\n");
		return;
	}
	if ((w = calloc(l->ncols, sizeof(*w))) == NULL)
		err(1, NULL);
	for (c = l->cols; c < l->cols + l->ncols; c++) {
		if (c->head == NULL)
			continue;
		w[c - l->cols] = c->width;
		for (i = 0; i <= r->n; i++) {
			len = strlen(cell(c, i < r->n ? r->row[i] : NULL));
			if ((int)len > w[c - l->cols])
				w[c - l->cols] = len;
		}
	}
	if (!(flags & LIST_NOHEAD))
		print_line(l, w, NULL);
	for (i = 0; i < r->n; i++) {
		print_line(l, w, r->row[i]);
		if (l->more != NULL)
			l->more(r->row[i]);
	}
	free(w);
}

/*
 * Ask the node for listing l (the request's body: data, len), print
 * it as columns (flags: LIST_*) or, with -j, JSON.  Exits on failure.
 */
int
show_listing(const struct listing *l, const void *data, size_t len,
    int flags)
{
	struct ockam_client	*c;
	struct rows		 r;
	size_t			 i;
	int			 j, failed;

	memset(&r, 0, sizeof(r));
	r.l = l;
	c = connect_node();
	failed = ockam_list(c, l->type, data, len, l->info, rows_add, &r) == -1;
	/* A listing cut short (show streams past its bound): what came. */
	if (!failed || r.n > 0) {
		if (jflag)
			print_json(&r);
		else
			print_human(&r, flags);
		fflush(stdout);
	}
	if (failed)
		node_fail(c, NULL);
	ockam_disconnect(c);
	for (i = 0; i < r.n; i++) {
		for (j = 0; j < l->nfields; j++)
			free(r.row[i][j]);
		free(r.row[i]);
	}
	free(r.row);
	return (0);
}
