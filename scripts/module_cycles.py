#!/usr/bin/env python3
"""Fails when a module of src/ imports a module that imports it back (directly or through
others): reads every `crate::` and `super::` path outside test modules, builds the graph of
file modules, and prints each strongly connected component of more than one module."""
import os,re,sys
mods={}
for root,_,files in os.walk('src'):
    for f in files:
        if not f.endswith('.rs'): continue
        p=os.path.join(root,f)
        rel=os.path.relpath(p,'src')[:-3].split(os.sep)
        if rel[-1] in ('mod','lib','main'): rel=rel[:-1]
        mods['::'.join(rel)]=p
def resolve(path, cur):
    parts=path.split('::')
    for k in range(len(parts),0,-1):
        m='::'.join(parts[:k])
        if m in mods: return m
    return None
graph={m:set() for m in mods}
for m,p in mods.items():
    s=open(p).read()
    s=re.sub(r'#\[cfg\(test\)\]\s*mod tests \{.*','',s,flags=re.S)
    for mm in re.finditer(r'crate::([a-z_]+(?:::[a-z_]+)*)',s):
        t=resolve(mm.group(1),m)
        if t and t!=m and not m.startswith(t+'::') : graph[m].add(t)
    # use super::x
    for mm in re.finditer(r'super::([a-z_]+)',s):
        parent='::'.join(m.split('::')[:-1])
        cand=(parent+'::' if parent else '')+mm.group(1)
        if cand in mods and cand!=m: graph[m].add(cand)
    # use crate::{a, b}
    for mm in re.finditer(r'use crate::\{([^}]*)\}',s):
        for part in mm.group(1).split(','):
            part=part.strip().split('::')[0]
            if part in mods and part!=m: graph[m].add(part)
# Tarjan
idx={};low={};st=[];on=set();res=[];i=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=i[0];i[0]+=1;st.append(v);on.add(v)
    for w in graph[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: res.append(sorted(comp))
for v in graph:
    if v not in idx: sc(v)
for c in res:
    print("import cycle:", " <-> ".join(c))
if res:
    sys.exit(1)
print("no import cycles among", len(mods), "modules")
