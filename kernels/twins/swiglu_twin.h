// CPU twin of kernels/swiglu: out = SiLU(gate) * up on fp32 values.
#pragma once

namespace fathom::kernels::twins {

// gate_up fp32 [n_tokens, 2n] (gate | up), out fp32 [n_tokens, n].
void swigluTwin(const float* gate_up, int n_tokens, int n, float* out);

}  // namespace fathom::kernels::twins
