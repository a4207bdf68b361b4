/*
 * The node configuration: allocation, lookup, and printing it back in
 * the grammar of ockam.conf(5) (ockam-routed -nv).
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void	print_string(const char *);

struct ockam_conf *
config_new(void)
{
	struct ockam_conf	*conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return (NULL);
	conf->csock_mode = OCKAM_SOCKET_MODE;
	TAILQ_INIT(&conf->workers);
	return (conf);
}

void
config_free(struct ockam_conf *conf)
{
	struct worker_conf	*w;

	if (conf == NULL)
		return;
	while ((w = TAILQ_FIRST(&conf->workers)) != NULL) {
		TAILQ_REMOVE(&conf->workers, w, entry);
		free(w);
	}
	free(conf->user);
	free(conf->chroot);
	free(conf->csock);
	free(conf->csock_group);
	free(conf);
}

struct worker_conf *
config_find_worker(struct ockam_conf *conf, const char *name)
{
	struct worker_conf	*w;

	TAILQ_FOREACH(w, &conf->workers, entry)
		if (strcmp(w->name, name) == 0)
			return (w);
	return (NULL);
}

const char *
worker_kind_name(enum worker_kind kind)
{
	switch (kind) {
	case WORKER_ECHOER:
		return ("echoer");
	case WORKER_HOP:
		return ("hop");
	case WORKER_APP:
		return ("app");
	}
	return ("unknown");
}

/* A quoted string that the lexer reads back as it was. */
static void
print_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

void
print_config(struct ockam_conf *conf)
{
	struct worker_conf	*w;
	int			 first = 1;

	printf("user ");
	print_string(conf->user);
	printf("\n");
	if (conf->chroot != NULL) {
		printf("chroot ");
		print_string(conf->chroot);
		printf("\n");
	}
	printf("control socket ");
	print_string(conf->csock);
	printf(" mode %04o", (unsigned int)conf->csock_mode);
	if (conf->csock_group != NULL) {
		printf(" group ");
		print_string(conf->csock_group);
	}
	printf("\n");

	TAILQ_FOREACH(w, &conf->workers, entry) {
		/* App workers come from control clients, not the file. */
		if (w->kind == WORKER_APP)
			continue;
		if (first) {
			printf("\n");
			first = 0;
		}
		printf("%s ", worker_kind_name(w->kind));
		print_string(w->name);
		printf("\n");
	}
}
