/* Client requests for callgrind, called from Python through ctypes, so the
   harness counts the instructions of the requests it measures and nothing
   else (start-up, warm-up and seeding stay out). Outside valgrind every call
   is a no-op. Built by bench/peers/run.py with the system C compiler. */
#include <valgrind/callgrind.h>

void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
void cg_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
int cg_running(void) { return RUNNING_ON_VALGRIND; }
