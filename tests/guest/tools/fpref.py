# Reference IEEE 754 binary32/64 model with RISC-V rules (exact rationals).
from fractions import Fraction as F
import math
NV,DZ,OF,UF,NX=16,8,4,2,1
RNE,RTZ,RDN,RUP,RMM=0,1,2,3,4
class Fmt:
    def __init__(s,ebits,mbits):
        s.eb=ebits; s.mb=mbits; s.p=mbits+1; s.bias=(1<<(ebits-1))-1
        s.emin=1-s.bias; s.emax=s.bias; s.w=1+ebits+mbits
        s.cnan=((1<<ebits)-1)<<mbits | (1<<(mbits-1))
S=Fmt(8,23); D=Fmt(11,52)
def unbox(f,x):
    if f is S:
        if (x>>32)!=0xffffffff: return S.cnan
        return x&0xffffffff
    return x
def box(f,x): return (0xffffffff00000000|x) if f is S else x
def decode(f,x):
    """-> ('nan',snan) | ('inf',sign) | ('num',sign,Fraction)"""
    s=x>>(f.w-1); e=(x>>f.mb)&((1<<f.eb)-1); m=x&((1<<f.mb)-1)
    if e==(1<<f.eb)-1:
        if m: return ('nan', not (m>>(f.mb-1))&1)
        return ('inf',s)
    if e==0: v=F(m,1)*F(2)**(f.emin-f.mb)
    else: v=F(m|(1<<f.mb))*F(2)**(e-f.bias-f.mb)
    return ('num',s,v)
def enc(f,s,e,m): return (s<<(f.w-1))|(e<<f.mb)|m
def inf(f,s): return enc(f,s,(1<<f.eb)-1,0)
def maxf(f,s): return enc(f,s,(1<<f.eb)-2,(1<<f.mb)-1)
def rnd_int(q,rm,s):
    """round positive Fraction q to integer; s = sign of the real value"""
    n=q.numerator//q.denominator; r=q-n
    if r==0: return n,False
    if rm==RNE: up = r>F(1,2) or (r==F(1,2) and n&1)
    elif rm==RMM: up = r>=F(1,2)
    elif rm==RTZ: up=False
    elif rm==RDN: up= s==1
    else: up= s==0
    return n+(1 if up else 0),True
def ilog2(v):
    e=v.numerator.bit_length()-v.denominator.bit_length()
    if F(2)**e>v: e-=1
    if F(2)**(e+1)<=v: e+=1
    return e
def round_fmt(f,s,v,rm):
    """v: Fraction > 0 (magnitude), s sign. -> (bits, flags)"""
    fl=0
    e=ilog2(v)
    # tininess after rounding: round with unbounded exponent
    q,_=rnd_int(v/F(2)**(e-f.p+1),rm,s)
    eu=e+1 if q==(1<<f.p) else e
    tiny = eu<f.emin
    if e<f.emin:
        q,inx=rnd_int(v/F(2)**(f.emin-f.p+1),rm,s)
        if inx:
            fl|=NX
            if tiny: fl|=UF
        if q>=(1<<f.mb): return enc(f,s,1,q-(1<<f.mb)) if q<(1<<f.p) else None, fl
        return enc(f,s,0,q),fl
    q,inx=rnd_int(v/F(2)**(e-f.p+1),rm,s)
    if q==(1<<f.p): q//=2; e+=1
    if inx: fl|=NX
    if e>f.emax:
        fl|=OF|NX
        big = rm==RNE or rm==RMM or (rm==RUP and s==0) or (rm==RDN and s==1)
        return (inf(f,s) if big else maxf(f,s)),fl
    return enc(f,s,e+f.bias,q-(1<<f.mb)),fl
def result(f,s,v,rm,zero_sign):
    if v==0: return enc(f,zero_sign,0,0),0
    return round_fmt(f,s,v,rm)
def val(d):
    return d[2]*(-1 if d[1] else 1)
def nanres(f,*ds):
    fl=NV if any(d[0]=='nan' and d[1] for d in ds) else 0
    return f.cnan,fl
def addv(f,a,b,rm):
    if a[0]=='nan' or b[0]=='nan': return nanres(f,a,b)
    if a[0]=='inf' and b[0]=='inf':
        if a[1]!=b[1]: return f.cnan,NV
        return inf(f,a[1]),0
    if a[0]=='inf': return inf(f,a[1]),0
    if b[0]=='inf': return inf(f,b[1]),0
    v=val(a)+val(b)
    if v==0:
        if a[2]==0 and b[2]==0 and a[1]==b[1]: zs=a[1]
        else: zs=1 if rm==RDN else 0
        return enc(f,zs,0,0),0
    return round_fmt(f,int(v<0),abs(v),rm)
def neg(d):
    if d[0]=='nan': return d
    return (d[0],1-d[1])+d[2:]
def mulv(f,a,b,rm):
    if a[0]=='nan' or b[0]=='nan': return nanres(f,a,b)
    s=a[1]^b[1]
    if a[0]=='inf' or b[0]=='inf':
        other=b if a[0]=='inf' else a
        if other[0]=='num' and other[2]==0: return f.cnan,NV
        return inf(f,s),0
    v=a[2]*b[2]
    if v==0: return enc(f,s,0,0),0
    return round_fmt(f,s,v,rm)
def divv(f,a,b,rm):
    if a[0]=='nan' or b[0]=='nan': return nanres(f,a,b)
    s=a[1]^b[1]
    if a[0]=='inf':
        if b[0]=='inf': return f.cnan,NV
        return inf(f,s),0
    if b[0]=='inf': return enc(f,s,0,0),0
    if b[2]==0:
        if a[2]==0: return f.cnan,NV
        return inf(f,s),DZ
    v=a[2]/b[2]
    if v==0: return enc(f,s,0,0),0
    return round_fmt(f,s,v,rm)
def sqrtv(f,a,rm):
    if a[0]=='nan': return nanres(f,a)
    if a[0]=='inf':
        return (f.cnan,NV) if a[1] else (inf(f,0),0)
    if a[2]==0: return enc(f,a[1],0,0),0
    if a[1]: return f.cnan,NV
    k=1200
    x=a[2]*F(4)**k
    xi=x.numerator//x.denominator
    r=math.isqrt(xi)
    if r*r==x: v=F(r,2**k)
    else: v=F(2*r+1,2**(k+1))
    return round_fmt(f,0,v,rm)
def fmav(f,a,b,c,rm,negprod=False,negc=False):
    if negc: c=neg(c)
    # invalid: inf*0 even with qNaN addend
    if (a[0]=='inf' and b[0]=='num' and b[2]==0) or (b[0]=='inf' and a[0]=='num' and a[2]==0):
        return f.cnan,NV
    if a[0]=='nan' or b[0]=='nan' or c[0]=='nan': return nanres(f,a,b,c)
    ps=a[1]^b[1]^(1 if negprod else 0)
    if a[0]=='inf' or b[0]=='inf':
        if c[0]=='inf' and c[1]!=ps: return f.cnan,NV
        return inf(f,ps),0
    if c[0]=='inf': return inf(f,c[1]),0
    p=a[2]*b[2]*(-1 if ps else 1)
    v=p+val(c)
    if v==0:
        if p==0 and c[2]==0 and ps==c[1]: zs=ps
        else: zs=1 if rm==RDN else 0
        return enc(f,zs,0,0),0
    return round_fmt(f,int(v<0),abs(v),rm)
def cvt_ff(fd,a,rm):
    if a[0]=='nan': return nanres(fd,a)
    if a[0]=='inf': return inf(fd,a[1]),0
    if a[2]==0: return enc(fd,a[1],0,0),0
    return round_fmt(fd,a[1],a[2],rm)
def cvt_fi(f,a,rm,bits,signed):
    """float -> int. returns (xreg value 64-bit, flags)"""
    lo = -(1<<(bits-1)) if signed else 0
    hi = (1<<(bits-1))-1 if signed else (1<<bits)-1
    if a[0]=='nan': r=hi; fl=NV
    elif a[0]=='inf': r= lo if a[1] else hi; fl=NV
    else:
        q,inx=rnd_int(a[2],rm,a[1])
        if a[1]: q=-q
        if q<lo: r,fl=lo,NV
        elif q>hi: r,fl=hi,NV
        else: r=q; fl=NX if inx else 0
    r&=(1<<bits)-1
    if bits==32 and r>>31: r|=0xffffffff00000000
    return r,fl
def cvt_if(f,x,rm,bits,signed):
    x&=(1<<bits)-1
    if signed and x>>(bits-1): x-=1<<bits
    if x==0: return 0,0
    return round_fmt(f,int(x<0),F(abs(x)),rm)
def fclass(f,x):
    d=decode(f,x)
    if d[0]=='nan': return 1<<8 if d[1] else 1<<9
    if d[0]=='inf': return 1 if d[1] else 1<<7
    sub = (x>>f.mb)&((1<<f.eb)-1)==0
    if d[2]==0: return 1<<3 if d[1] else 1<<4
    if sub: return 1<<2 if d[1] else 1<<5
    return 1<<1 if d[1] else 1<<6
def minmax(f,x,y,ismax):
    a=decode(f,x); b=decode(f,y)
    fl=NV if ((a[0]=='nan' and a[1]) or (b[0]=='nan' and b[1])) else 0
    if a[0]=='nan' and b[0]=='nan': return f.cnan,fl
    if a[0]=='nan': return y,fl
    if b[0]=='nan': return x,fl
    def key(d,bits):
        v = (F(10)**400 if d[0]=='inf' else d[2])*(-1 if d[1] else 1)
        return (v, 0 if d[1] else 1)   # -0 < +0
    ka,kb=key(a,x),key(b,y)
    if ismax: return (x if ka>=kb else y),fl
    return (x if ka<=kb else y),fl
def cmp(f,x,y,kind):
    a=decode(f,x); b=decode(f,y)
    if a[0]=='nan' or b[0]=='nan':
        if kind=='eq': fl=NV if ((a[0]=='nan' and a[1]) or (b[0]=='nan' and b[1])) else 0
        else: fl=NV
        return 0,fl
    def v(d): return (F(10)**400 if d[0]=='inf' else d[2])*(-1 if d[1] else 1)
    va,vb=v(a),v(b)
    return int({'eq':va==vb,'lt':va<vb,'le':va<=vb}[kind]),0
