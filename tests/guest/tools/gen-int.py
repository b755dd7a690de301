# Emits the case lines pasted into rv64i.c / rv64m.c (known answers) into i_cases.inc, m_cases.inc.
import random
import sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from isaref import *
random.seed(7)
vals=[0,1,M,1<<63,(1<<63)-1,0x0123456789abcdef,0xfedcba9876543210,0x80000000,0x7fffffff,0xffffffff80000000,0x1f,0x3f,0x40,0xffffffff,0x21]
out=[]
for op in ['add','sub','sll','slt','sltu','xor','srl','sra','or','and','addw','subw','sllw','srlw','sraw']:
    pairs=set()
    while len(pairs)<10:
        pairs.add((random.choice(vals),random.choice(vals)))
    for a,b in sorted(pairs):
        out.append('\tRR("%s", 0x%xul, 0x%xul, 0x%xul);'%(op,a,b,ops[op](a,b)))
iops={'addi':lambda a,i:(a+i)&M,'slti':lambda a,i:int(s64(a)<i),'sltiu':lambda a,i:int(a<(i&M)),
 'xori':lambda a,i:a^(i&M),'ori':lambda a,i:a|(i&M),'andi':lambda a,i:a&(i&M),'addiw':lambda a,i:sx32(a+i)}
imms=[0,1,-1,2047,-2048,0x555,-0x556]
for op,f in iops.items():
    for k in range(8):
        a=random.choice(vals); i=random.choice(imms)
        out.append('\tRI("%s", 0x%xul, %d, 0x%xul);'%(op,a,i,f(a,i)))
sops={'slli':(63,lambda a,i:(a<<i)&M),'srli':(63,lambda a,i:a>>i),'srai':(63,lambda a,i:(s64(a)>>i)&M),
 'slliw':(31,lambda a,i:sx32(a<<i)),'srliw':(31,lambda a,i:sx32((a&0xffffffff)>>i)),'sraiw':(31,lambda a,i:(s32(a)>>i)&M)}
for op,(mx,f) in sops.items():
    for i in sorted({0,1,mx,mx//2,random.randrange(mx+1)}):
        for a in [0x8123456789abcdef, 0x0000000080000001]:
            out.append('\tRI("%s", 0x%xul, %d, 0x%xul);'%(op,a,i,f(a,i)))
open('i_cases.inc','w').write('\n'.join(out)+'\n')
out=[]
sp=[0,1,M,1<<63,0x80000000,0xffffffff80000000,0x0123456789abcdef,M-6,7]
for op in ['mul','mulh','mulhsu','mulhu','div','divu','rem','remu','mulw','divw','divuw','remw','remuw']:
    for a in sp:
        for b in sp:
            out.append('\tRR("%s", 0x%xul, 0x%xul, 0x%xul);'%(op,a,b,ops[op](a,b)))
open('m_cases.inc','w').write('\n'.join(out)+'\n')
