# Baseline for `npm run bench`: what one would write by hand with awk to find a kernel memory
# leak in a perf script capture of kmem events — pair each allocation (kmalloc, kmalloc_node,
# kmem_cache_alloc, kmem_cache_alloc_node) with its free (kfree, kmem_cache_free) by ptr, and
# count what is still allocated at the end by call_site (function, offset dropped).
#   awk -f bench/awk-baseline.awk capture.txt | sort -rn | head
/ kmem:(kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node): / {
  ptr = ""; cs = ""
  for (i = 1; i <= NF; i++) {
    if ($i ~ /^ptr=/) ptr = substr($i, 5)
    else if ($i ~ /^call_site=/) cs = substr($i, 11)
  }
  if (ptr != "") live[ptr] = cs
  next
}
/ kmem:(kfree|kmem_cache_free): / {
  for (i = 1; i <= NF; i++) if ($i ~ /^ptr=/) { delete live[substr($i, 5)]; break }
  next
}
END {
  for (p in live) { cs = live[p]; sub(/\+.*/, "", cs); n[cs]++ }
  for (c in n) print n[c], c
}
