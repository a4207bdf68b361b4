/* SPDX-License-Identifier: ISC */
/*
 * Pins of secure channel initiators, in the key directory (pins.c).
 */
#ifndef OCKAM_PINS_H
#define OCKAM_PINS_H

#include <stdint.h>

#include "vault.h"

void		 pins_init(int, const char *);
int		 pins_key_ok(const char *);
int		 pins_id_ok(const char *);
uint32_t	 pins_lookup(const char *, char *);
uint32_t	 pins_record(const char *, const char *, char *);
uint32_t	 pins_remove(const char *, char *);

#endif /* OCKAM_PINS_H */
