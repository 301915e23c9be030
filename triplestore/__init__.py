"""The store: where the published graph lives, whichever backend holds it.

``versions`` keeps each source as versioned named graphs (a new version is loaded aside, then
made current in one small transaction; readers see one generation or the next, never a mix),
runs the after-change hooks registered on it, and writes; ``backends`` is the one store
interface over the embedded Oxigraph store and an external SPARQL 1.1 store; ``protected`` says
which graphs only the loader may write.
"""
