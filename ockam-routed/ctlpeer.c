/*
 * Who a control client is, beyond SO_PEERCRED's uid and gid: its
 * supplementary groups, for the rule of ockam-routed(8), CONTROL
 * SOCKET.  Asked of the kernel on the connection itself, so routed
 * needs no /etc/group in its chroot.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>

#include "routed.h"

/*
 * Is gid among the peer's groups?  The kernel's list (SO_PEERGROUPS)
 * as it stood when the peer connected: the list that let it open the
 * socket through the socket's group permission.
 */
int
peer_in_group(int fd, gid_t gid)
{
	gid_t		 small[64], *g = small;
	socklen_t	 len = sizeof(small);
	size_t		 i;
	int		 found = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1 &&
	    (errno != ERANGE || (g = malloc(len)) == NULL ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1))
		goto done;
	for (i = 0; i < len / sizeof(*g); i++)
		if (g[i] == gid)
			found = 1;
done:
	if (g != small)
		free(g);
	return (found);
}
