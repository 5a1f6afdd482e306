/* Unit tests of the hook engine (hooks/hooks.c).  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "hooks/hooks.h"
#include "unit.h"
#include "xalloc.h"

/* When this program is run as a hook with "--carve-hook-dump FILE" as its
   second argument, it writes its argv and environment to FILE and exits,
   before main: a shell would add variables of its own (PWD).  glibc passes
   argc, argv and envp to constructors.  */
__attribute__ ((constructor)) static void
hook_dump (int argc, char **argv, char **envp)
{
  FILE *f;
  int i;

  if (argc < 3 || strcmp (argv[1], "--carve-hook-dump") != 0)
    return;
  f = fopen (argv[2], "we");
  if (f == NULL)
    _exit (99);
  for (i = 0; i < argc; i++)
    fprintf (f, "arg:%s\n", argv[i]);
  for (i = 0; envp[i]; i++)
    fprintf (f, "env:%s\n", envp[i]);
  fclose (f);
  _exit (0);
}

static char tmpdir[64];

static const char *
tmp (void)
{
  if (tmpdir[0] == '\0')
    {
      strcpy (tmpdir, "/tmp/carve-test-hooks.XXXXXX");
      if (mkdtemp (tmpdir) == NULL)
        abort ();
    }
  return tmpdir;
}

static void
cleanup_tmp (void)
{
  if (tmpdir[0])
    (void)carve_rm_rf (tmpdir, NULL);
}

/* A hook running `/bin/sh -c SCRIPT sh ARG1`.  */
static struct carve_spec_hook_s *
sh_hook (const char *script, const char *arg1)
{
  struct carve_spec_hook_s *h = xzalloc (sizeof (*h));

  h->path = xstrdup ("/bin/sh");
  carve_strv_append (&h->args, "sh");
  carve_strv_append (&h->args, "-c");
  carve_strv_append (&h->args, script);
  carve_strv_append (&h->args, "sh");
  if (arg1)
    carve_strv_append (&h->args, arg1);
  h->args_len = carve_strv_length (h->args);
  carve_strv_append (&h->env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  h->env_len = 1;
  return h;
}

static void
hook_free (struct carve_spec_hook_s *h)
{
  if (h == NULL)
    return;
  free (h->path);
  carve_strv_free (h->args);
  carve_strv_free (h->env);
  free (h);
}

static char *
tmp_file (const char *name)
{
  return carve_path_join (tmp (), name);
}

static char *
read_text (const char *path)
{
  char *buf = NULL;
  size_t len;

  if (carve_read_file (path, &buf, &len, NULL) < 0)
    return NULL;
  return buf;
}

static long long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
test_state_on_stdin (void)
{
  cleanup_free char *file = tmp_file ("state");
  cleanup_free char *got = NULL;
  const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,\"bundle\":\"/b\"}";
  struct carve_spec_hook_s *h = sh_hook ("cat > \"$1\"", file);
  carve_error_t err = NULL;
  int r;

  r = carve_hooks_run (&h, 1, "prestart", state, &err);
  hook_free (h);
  if (r < 0)
    fprintf (stderr, "# %s\n", err->msg);
  EXPECT (r == 0);
  EXPECT (err == NULL);
  got = read_text (file);
  EXPECT_STR (got, state);
  return 0;
}

static int
test_args_and_env_exact (void)
{
  cleanup_free char *file = tmp_file ("dump");
  cleanup_free char *self = NULL;
  cleanup_free char *got = NULL;
  cleanup_free char *want = NULL;
  struct carve_spec_hook_s h = { 0 };
  struct carve_spec_hook_s *hp = &h;
  char *args[] = { "custom-argv0", "--carve-hook-dump", file, "two words", "", NULL };
  char *env[] = { "A=1", "B=with space", "EMPTY=", NULL };
  carve_error_t err = NULL;
  char buf[PATH_MAX];
  ssize_t n;

  n = readlink ("/proc/self/exe", buf, sizeof (buf) - 1);
  EXPECT (n > 0);
  buf[n] = '\0';
  self = xstrdup (buf);

  h.path = self;
  h.args = args;
  h.args_len = 5;
  h.env = env;
  h.env_len = 3;
  EXPECT (carve_hooks_run (&hp, 1, "createRuntime", "{}", &err) == 0);
  got = read_text (file);
  want = xasprintf ("arg:custom-argv0\narg:--carve-hook-dump\narg:%s\narg:two words\narg:\n"
                    "env:A=1\nenv:B=with space\nenv:EMPTY=\n",
                    file);
  EXPECT_STR (got, want);

  /* No env: an empty environment.  */
  {
    cleanup_free char *file2 = tmp_file ("dump2");
    cleanup_free char *want2 = xasprintf ("arg:x\narg:--carve-hook-dump\narg:%s\n", file2);
    cleanup_free char *got2 = NULL;
    char *args2[] = { "x", "--carve-hook-dump", file2, NULL };
    struct carve_spec_hook_s h2 = { 0 };
    struct carve_spec_hook_s *h2p = &h2;

    h2.path = self;
    h2.args = args2;
    h2.args_len = 3;
    EXPECT (carve_hooks_run (&h2p, 1, "createRuntime", "{}", &err) == 0);
    got2 = read_text (file2);
    EXPECT_STR (got2, want2);
  }
  return 0;
}

static int
test_no_args_means_path (void)
{
  /* /bin/sh without arguments reads its script from stdin: the state.
     $0 is argv[0], which must be the hook's path.  */
  cleanup_free char *file = tmp_file ("argv0");
  cleanup_free char *script = xasprintf ("echo \"$0\" > %s\n", file);
  cleanup_free char *got = NULL;
  struct carve_spec_hook_s h = { 0 };
  struct carve_spec_hook_s *hp = &h;
  carve_error_t err = NULL;

  h.path = "/bin/sh";
  EXPECT (carve_hooks_run (&hp, 1, "poststart", script, &err) == 0);
  got = read_text (file);
  EXPECT_STR (got, "/bin/sh\n");
  return 0;
}

static int
test_exit_status_message (void)
{
  struct carve_spec_hook_s *h = sh_hook ("echo first >&2; echo 'bad thing happened' >&2; echo >&2; exit 3", NULL);
  carve_error_t err = NULL;
  int r;

  r = carve_hooks_run (&h, 1, "prestart", "{}", &err);
  hook_free (h);
  EXPECT (r < 0);
  EXPECT (err != NULL);
  EXPECT_STR (err->msg, "prestart hook `/bin/sh` (#1): exited with status 3: bad thing happened");
  carve_error_release (&err);
  return 0;
}

static int
test_stdout_used_without_stderr (void)
{
  struct carve_spec_hook_s *h = sh_hook ("echo 'on stdout'; exit 1", NULL);
  carve_error_t err = NULL;
  int r;

  r = carve_hooks_run (&h, 1, "createContainer", "{}", &err);
  hook_free (h);
  EXPECT (r < 0);
  EXPECT_STR (err->msg, "createContainer hook `/bin/sh` (#1): exited with status 1: on stdout");
  carve_error_release (&err);
  return 0;
}

static int
test_killed_by_signal (void)
{
  struct carve_spec_hook_s *h = sh_hook ("kill -9 $$", NULL);
  carve_error_t err = NULL;
  int r;

  r = carve_hooks_run (&h, 1, "poststart", "{}", &err);
  hook_free (h);
  EXPECT (r < 0);
  EXPECT_STR (err->msg, "poststart hook `/bin/sh` (#1): killed by signal 9");
  carve_error_release (&err);
  return 0;
}

static bool
process_gone (pid_t pid)
{
  char path[64], *stat = NULL;
  size_t len;
  bool gone;

  snprintf (path, sizeof (path), "/proc/%d/stat", (int)pid);
  if (carve_read_file (path, &stat, &len, NULL) < 0)
    return true;
  /* A zombie waiting for a reaper that is not us is gone too.  */
  gone = strstr (stat, ") Z ") != NULL;
  free (stat);
  return gone;
}

static int
test_timeout_kills (void)
{
  cleanup_free char *file = tmp_file ("sleeper.pid");
  struct carve_spec_hook_s *h = sh_hook ("sleep 100 & echo $! > \"$1\"; sleep 100", file);
  cleanup_free char *pidstr = NULL;
  carve_error_t err = NULL;
  long long t0, elapsed;
  long pid;
  int r, i;

  h->has_timeout = true;
  h->timeout = 1;
  t0 = now_ms ();
  r = carve_hooks_run (&h, 1, "prestart", "{}", &err);
  elapsed = now_ms () - t0;
  hook_free (h);
  EXPECT (r < 0);
  EXPECT_STR (err->msg, "prestart hook `/bin/sh` (#1): timed out after 1s");
  carve_error_release (&err);
  EXPECT (elapsed >= 900);
  EXPECT (elapsed < 3000);

  /* The process the hook started went with it.  */
  pidstr = read_text (file);
  EXPECT (pidstr != NULL);
  pidstr[strcspn (pidstr, "\n")] = '\0';
  EXPECT (carve_parse_long (pidstr, &pid) == 0);
  for (i = 0; i < 100 && !process_gone ((pid_t)pid); i++)
    usleep (10000);
  EXPECT (process_gone ((pid_t)pid));
  return 0;
}

static int
test_bad_timeout (void)
{
  struct carve_spec_hook_s *h = sh_hook ("exit 0", NULL);
  carve_error_t err = NULL;
  int r;

  h->has_timeout = true;
  h->timeout = 0;
  r = carve_hooks_run (&h, 1, "prestart", "{}", &err);
  hook_free (h);
  EXPECT (r < 0);
  EXPECT_CONTAINS (err->msg, "timeout must be greater than zero");
  carve_error_release (&err);
  return 0;
}

static int
test_missing_binary (void)
{
  struct carve_spec_hook_s h = { 0 };
  struct carve_spec_hook_s *hp = &h;
  carve_error_t err = NULL;

  h.path = "/nonexistent/carve-hook";
  EXPECT (carve_hooks_run (&hp, 1, "createRuntime", "{}", &err) < 0);
  EXPECT_STR (err->msg, "createRuntime hook `/nonexistent/carve-hook` (#1): exec: No such file or directory");
  EXPECT (err->status == ENOENT);
  carve_error_release (&err);
  return 0;
}

static int
test_stdin_closed_early (void)
{
  /* 4 MiB of state: far more than a pipe holds, so the write meets a hook
     that is gone or has closed its stdin.  */
  size_t len = 4 << 20;
  cleanup_free char *state = xmalloc (len + 1);
  struct carve_spec_hook_s *hooks[2];
  carve_error_t err = NULL;
  int r;

  memset (state, 'x', len);
  state[len] = '\0';
  hooks[0] = sh_hook ("exec 0<&-; sleep 0.2; exit 0", NULL);
  hooks[1] = sh_hook ("exit 0", NULL);
  r = carve_hooks_run (hooks, 2, "prestart", state, &err);
  hook_free (hooks[0]);
  hook_free (hooks[1]);
  if (r < 0)
    fprintf (stderr, "# %s\n", err->msg);
  EXPECT (r == 0);
  /* And no SIGPIPE is left pending for the caller.  */
  {
    sigset_t pending;
    sigpending (&pending);
    EXPECT (sigismember (&pending, SIGPIPE) == 0);
  }
  return 0;
}

static int
test_first_failure_stops (void)
{
  cleanup_free char *a = tmp_file ("stop-a");
  cleanup_free char *b = tmp_file ("stop-b");
  struct carve_spec_hook_s *hooks[3];
  carve_error_t err = NULL;
  int r, i;

  hooks[0] = sh_hook ("touch \"$1\"", a);
  hooks[1] = sh_hook ("echo nope >&2; exit 2", NULL);
  hooks[2] = sh_hook ("touch \"$1\"", b);
  r = carve_hooks_run (hooks, 3, "createRuntime", "{}", &err);
  for (i = 0; i < 3; i++)
    hook_free (hooks[i]);
  EXPECT (r < 0);
  EXPECT_STR (err->msg, "createRuntime hook `/bin/sh` (#2): exited with status 2: nope");
  carve_error_release (&err);
  EXPECT (carve_path_exists (a));
  EXPECT (!carve_path_exists (b));
  return 0;
}

static int
test_warn_mode_runs_all (void)
{
  cleanup_free char *mid = tmp_file ("warn-mid");
  struct carve_spec_hook_s *hooks[4];
  struct carve_spec_hook_s missing = { 0 };
  cleanup_strv char **warnings = NULL;
  int r;

  hooks[0] = sh_hook ("echo first failure >&2; exit 1", NULL);
  hooks[1] = sh_hook ("touch \"$1\"", mid);
  hooks[2] = &missing;
  missing.path = "/nonexistent/poststop";
  hooks[3] = sh_hook ("exit 0", NULL);
  r = carve_hooks_run_all_warn (hooks, 4, "poststop", "{}", &warnings);
  hook_free (hooks[0]);
  hook_free (hooks[1]);
  hook_free (hooks[3]);
  EXPECT (r == 2);
  EXPECT (carve_path_exists (mid));
  EXPECT (warnings != NULL);
  EXPECT (carve_strv_length (warnings) == 2);
  EXPECT_STR (warnings[0], "poststop hook `/bin/sh` (#1): exited with status 1: first failure");
  EXPECT_STR (warnings[1], "poststop hook `/nonexistent/poststop` (#3): exec: No such file or directory");

  /* Nothing failing: no warnings.  */
  carve_strv_free (warnings);
  warnings = NULL;
  hooks[0] = sh_hook ("exit 0", NULL);
  r = carve_hooks_run_all_warn (hooks, 1, "poststop", "{}", &warnings);
  hook_free (hooks[0]);
  EXPECT (r == 0);
  EXPECT (warnings == NULL);
  return 0;
}

static int
test_output_is_bounded (void)
{
  /* 1 MiB on stderr then a last line: only the tail is kept, and the hook
     is not blocked by a full pipe.  */
  struct carve_spec_hook_s *h
      = sh_hook ("head -c 1048576 /dev/zero | tr '\\0' y >&2; echo >&2; echo 'the end' >&2; exit 4", NULL);
  carve_error_t err = NULL;
  int r;

  r = carve_hooks_run (&h, 1, "prestart", "{}", &err);
  hook_free (h);
  EXPECT (r < 0);
  EXPECT_STR (err->msg, "prestart hook `/bin/sh` (#1): exited with status 4: the end");
  carve_error_release (&err);
  return 0;
}

static int
test_zzz_cleanup (void)
{
  cleanup_tmp ();
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_state_on_stdin), UNIT_CASE (test_args_and_env_exact), UNIT_CASE (test_no_args_means_path),
           UNIT_CASE (test_exit_status_message), UNIT_CASE (test_stdout_used_without_stderr),
           UNIT_CASE (test_killed_by_signal), UNIT_CASE (test_timeout_kills), UNIT_CASE (test_bad_timeout),
           UNIT_CASE (test_missing_binary), UNIT_CASE (test_stdin_closed_early), UNIT_CASE (test_first_failure_stops),
           UNIT_CASE (test_warn_mode_runs_all), UNIT_CASE (test_output_is_bounded), UNIT_CASE (test_zzz_cleanup))
