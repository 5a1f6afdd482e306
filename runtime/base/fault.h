/* Fault injection for the crash-safety tests: with CARVE_FAULT_POINT=NAME
   in its environment, carve kills itself with SIGKILL when it reaches the
   step NAME, as an operator's `kill -9` or an OOM kill would at the worst
   moment.  tests/integration/faults.bats walks every step and checks that
   `delete -f` (or the next command) then gives everything back.  The steps
   are named where they are, "command:after-what" (docs/carve.8 lists
   them).  Without the variable a step costs one getenv.  */
#ifndef CARVE_BASE_FAULT_H
#define CARVE_BASE_FAULT_H

void carve_fault_point (const char *name);

#endif
