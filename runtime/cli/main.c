#include <config.h>

#include <stdio.h>

int
main (void)
{
  printf ("carve version %s\n", PACKAGE_VERSION);
  return 0;
}
