import json,sys,os
# Hash seeds are random per process: HyperLogLog estimates (ports/targets past
# 1024 exact keys) and the udp detector's score vary run to run; drop them.
def norm(e):
    e=dict(e)
    for k in ('ports','targets'):
        if isinstance(e.get(k),int) and e[k]>1024: e[k]='>1024'
    e['detectors']=[{**d,'score':'x'} if d['name']=='udp' else d for d in e.get('detectors',[])]
    return e
a,b=sys.argv[1],sys.argv[2]
for n in sorted(os.listdir(a)):
    if not n.endswith('.jsonl'): continue
    A=[norm(json.loads(l)) for l in open(os.path.join(a,n))]
    B=[norm(json.loads(l)) for l in open(os.path.join(b,n))]
    if A==B: continue
    print('==',n, len(A),'->',len(B))
    for x,y in zip(A,B):
        d={k:(x.get(k),y.get(k)) for k in set(x)|set(y) if x.get(k)!=y.get(k)}
        if 'detectors' in d:
            da={z['name']:z for z in d['detectors'][0]}; db={z['name']:z for z in d['detectors'][1]}
            d['detectors']={k:(da.get(k),db.get(k)) for k in set(da)|set(db) if da.get(k)!=db.get(k)}
        if d: print('  ',x.get('event'),x.get('scanner'),{k:v for k,v in d.items() if k not in ('sample_targets','sample_ports')})
    for y in B[len(A):]: print('  + ',y.get('event'),y.get('scanner'),y.get('technique'),y.get('probes_to_detect'))
