/* plic: the SiFive platform-level interrupt controller of QEMU's virt board.
 *
 * As QEMU 7.2 builds it: 96 sources (1..96; riscv,ndev = 96), 3 priority bits,
 * two contexts per hart: context 2h is hart h in M-mode (drives MEIP), context
 * 2h+1 is hart h in S-mode (drives SEIP). Register layout:
 *   0x000000 + 4*src          priority (0..7)
 *   0x001000 + 4*word         pending bits (read-only)
 *   0x002000 + 0x80*ctx + 4*w enable bits
 *   0x200000 + 0x1000*ctx     threshold; +4 claim (read) / complete (write)
 * Only naturally aligned 32-bit accesses reach registers; anything else reads 0
 * and is ignored on write. Priorities and thresholds keep their low 3 bits
 * (WARL, as QEMU 7.2). Sources are level-triggered: a source is pending while
 * its line is high and it is not claimed; completing a source whose line is still
 * high makes it pending again. Out-of-range sources and contexts are ignored.
 */
#ifndef EMU_PLIC_H
#define EMU_PLIC_H
#include <stddef.h>
#include <stdint.h>
#include "emu/physmem.h"

#define PLIC_NUM_SOURCES 96          /* highest source id */
#define PLIC_PRIO_MAX    7
#define PLIC_MAX_HARTS   8
#define PLIC_MAX_CTX     (2 * PLIC_MAX_HARTS)
#define PLIC_WORDS       4           /* 128 bits of source bitmap */
#define PLIC_SIZE        0x600000ull /* QEMU 7.2 maps this much (room for 512 harts) */

/* Guest-visible state: plain data (snapshot with memcpy). */
struct plic_state {
	uint32_t priority[PLIC_NUM_SOURCES + 1];
	uint32_t level[PLIC_WORDS];     /* input line levels */
	uint32_t pending[PLIC_WORDS];
	uint32_t claimed[PLIC_WORDS];   /* claimed, not yet completed */
	uint32_t enable[PLIC_MAX_CTX][PLIC_WORDS];
	uint32_t threshold[PLIC_MAX_CTX];
};

struct plic;
struct hart;

/* Map a PLIC of PLIC_SIZE bytes at base, driving MEIP/SEIP of harts[0..nharts-1]
 * (borrowed; they must outlive the PLIC). NULL if nharts is out of 1..8, the range
 * is taken, or memory runs out. */
struct plic *plic_new(struct physmem *pm, uint64_t base, struct hart **harts, int nharts);
void plic_free(struct plic *p);
/* Set the level of source irq (1..96; others ignored). Matches irq_line.set. */
void plic_set_irq(void *plic, int irq, int level);
/* Reset to power-on state (all zero); input line levels are kept. */
void plic_reset(struct plic *p);
/* The guest-visible state and its size. */
void *plic_state(struct plic *p, size_t *len);
/* After the state was overwritten: drive the harts' MEIP/SEIP from it. */
void plic_state_loaded(struct plic *p);

#endif
