# Emits the case lines pasted into rv64a.c (AMO known answers) into a_cases.inc.
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from isaref import *
def amo(op,w,old,b):
    if w: o=old&0xffffffff; bb=b&0xffffffff; so,sb=s32(o),s32(bb); mask=0xffffffff
    else: o=old; bb=b; so,sb=s64(o),s64(bb); mask=M
    r={'swap':bb,'add':(o+bb)&mask,'xor':o^bb,'and':o&bb,'or':o|bb,'min':o if so<sb else bb,'max':o if so>sb else bb,
       'minu':min(o,bb),'maxu':max(o,bb)}[op]
    if w: return sx32(o), (old & ~0xffffffff & M) | r
    return o, r
pairs=[(0x0123456789abcdef,0xfedcba9876543210),(0x7fffffff80000000,0x00000000ffffffff),(0xffffffffffffffff,1),(0x8000000000000000,0x7fffffffffffffff),(0x00000001fffffffe,0x0000000280000001)]
out=[]
for w in (1,0):
    for op in ['swap','add','xor','and','or','min','max','minu','maxu']:
        for a,b in pairs:
            o,n=amo(op,w,a,b)
            out.append('\tAMO("amo%s.%s", 0x%xul, 0x%xul, 0x%xul, 0x%xul);'%(op,'w' if w else 'd',a,b,o,n))
open('a_cases.inc','w').write('\n'.join(out)+'\n')
