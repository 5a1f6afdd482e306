/* shm-peer: two processes meet in one POSIX shared memory object, the way
   the ranks of a job split over permeable containers do.  Built static, so
   that it runs inside the busybox rootfs of the bats suites.

     shm-peer serve NAME MSG   creates /dev/shm/NAME, maps it, offers MSG,
                               waits for the peer's reply, prints it, and
                               removes the object
     shm-peer reply NAME MSG   waits for /dev/shm/NAME, maps it, prints the
                               offer, answers MSG

   Both sides read what the other wrote through their own mapping of the
   same pages: it is shared memory, not a file copied between them.  Exit
   status 0, or 1 with a message after 30 seconds without a peer.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 30000

struct slot
{
  uint32_t len; /* written last, with release semantics */
  char text[252];
};

struct meeting
{
  struct slot offer;
  struct slot reply;
};

static void
pause_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

static void
put (struct slot *s, const char *msg)
{
  size_t n = strlen (msg);

  if (n >= sizeof s->text)
    n = sizeof s->text - 1;
  memcpy (s->text, msg, n);
  s->text[n] = '\0';
  __atomic_store_n (&s->len, (uint32_t) n + 1, __ATOMIC_RELEASE);
}

/* Waits until the peer filled S; prints its text.  */
static int
take (struct slot *s, const char *what)
{
  long waited;

  for (waited = 0; __atomic_load_n (&s->len, __ATOMIC_ACQUIRE) == 0; waited += 10)
    {
      if (waited >= TIMEOUT_MS)
        {
          fprintf (stderr, "shm-peer: no %s after %d ms\n", what, TIMEOUT_MS);
          return -1;
        }
      pause_ms (10);
    }
  printf ("%s\n", s->text);
  fflush (stdout);
  return 0;
}

static struct meeting *
map (int fd)
{
  void *p = mmap (NULL, sizeof (struct meeting), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

  if (p == MAP_FAILED)
    {
      perror ("shm-peer: mmap");
      return NULL;
    }
  return p;
}

static int
serve (const char *name, const char *msg)
{
  struct meeting *m;
  int fd, r;

  fd = shm_open (name, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0)
    {
      fprintf (stderr, "shm-peer: shm_open `%s`: %s\n", name, strerror (errno));
      return 1;
    }
  if (ftruncate (fd, sizeof (struct meeting)) < 0 || (m = map (fd)) == NULL)
    {
      perror ("shm-peer: size the object");
      shm_unlink (name);
      return 1;
    }
  put (&m->offer, msg);
  r = take (&m->reply, "reply");
  shm_unlink (name);
  return r < 0 ? 1 : 0;
}

static int
reply (const char *name, const char *msg)
{
  struct meeting *m;
  long waited;
  int fd;

  /* The object exists once the server created it; its size once it sized
     it (a mapping of an empty object would fault).  */
  for (waited = 0;; waited += 10)
    {
      fd = shm_open (name, O_RDWR, 0);
      if (fd >= 0 && lseek (fd, 0, SEEK_END) >= (off_t) sizeof (struct meeting))
        break;
      if (fd >= 0)
        close (fd);
      if (waited >= TIMEOUT_MS)
        {
          fprintf (stderr, "shm-peer: no `%s` after %d ms\n", name, TIMEOUT_MS);
          return 1;
        }
      pause_ms (10);
    }
  m = map (fd);
  if (m == NULL || take (&m->offer, "offer") < 0)
    return 1;
  put (&m->reply, msg);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "serve") == 0)
    return serve (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "reply") == 0)
    return reply (argv[2], argv[3]);
  fprintf (stderr, "usage: shm-peer serve|reply NAME MSG\n");
  return 2;
}
