package cluster

// FreeAddrs is freeAddrs for the process tests (package cluster_test).
var FreeAddrs = freeAddrs
