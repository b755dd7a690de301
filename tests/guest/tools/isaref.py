# Reference semantics of RV64IM integer ops (used by gen-int.py, gen-amo.py).
M=(1<<64)-1
def s64(x): x&=M; return x-(1<<64) if x>>63 else x
def s32(x): x&=0xffffffff; return x-(1<<32) if x>>31 else x
def sx32(x): return s32(x)&M
def trunc_div(a,b):
    q=abs(a)//abs(b)
    return q if (a<0)==(b<0) else -q
def rem_(a,b): return a-trunc_div(a,b)*b
ops={
 'add':lambda a,b:(a+b)&M,'sub':lambda a,b:(a-b)&M,'sll':lambda a,b:(a<<(b&63))&M,
 'slt':lambda a,b:int(s64(a)<s64(b)),'sltu':lambda a,b:int(a<b),'xor':lambda a,b:a^b,
 'srl':lambda a,b:a>>(b&63),'sra':lambda a,b:(s64(a)>>(b&63))&M,'or':lambda a,b:a|b,'and':lambda a,b:a&b,
 'addw':lambda a,b:sx32(a+b),'subw':lambda a,b:sx32(a-b),'sllw':lambda a,b:sx32((a&0xffffffff)<<(b&31)),
 'srlw':lambda a,b:sx32((a&0xffffffff)>>(b&31)),'sraw':lambda a,b:(s32(a)>>(b&31))&M,
 'mul':lambda a,b:(a*b)&M,'mulh':lambda a,b:((s64(a)*s64(b))>>64)&M,'mulhsu':lambda a,b:((s64(a)*b)>>64)&M,
 'mulhu':lambda a,b:((a*b)>>64)&M,
 'div':lambda a,b:M if b==0 else (a if (s64(a)==-(1<<63) and s64(b)==-1) else trunc_div(s64(a),s64(b))&M),
 'divu':lambda a,b:M if b==0 else a//b,
 'rem':lambda a,b:a if b==0 else (0 if (s64(a)==-(1<<63) and s64(b)==-1) else rem_(s64(a),s64(b))&M),
 'remu':lambda a,b:a if b==0 else a%b,
 'mulw':lambda a,b:sx32(a*b),
 'divw':lambda a,b:M if b&0xffffffff==0 else (sx32(a) if (s32(a)==-(1<<31) and s32(b)==-1) else trunc_div(s32(a),s32(b))&M),
 'divuw':lambda a,b:M if b&0xffffffff==0 else sx32((a&0xffffffff)//(b&0xffffffff)),
 'remw':lambda a,b:sx32(a) if b&0xffffffff==0 else (0 if (s32(a)==-(1<<31) and s32(b)==-1) else rem_(s32(a),s32(b))&M),
 'remuw':lambda a,b:sx32(a) if b&0xffffffff==0 else sx32((a&0xffffffff)%(b&0xffffffff)),
}
