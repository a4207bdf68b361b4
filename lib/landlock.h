#ifndef OCKAM_LANDLOCK_H
#define OCKAM_LANDLOCK_H

int	landlock_confine_dir(int);

#endif /* OCKAM_LANDLOCK_H */
