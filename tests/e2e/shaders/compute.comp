#version 450
// out[i] = in_a[i] * mul + (in_b[i] ^ xor_mask) for i < n, then `spin`
// rounds of a dependent hash (0 rounds: no extra work) folded into out[i]
// only when spin != 0, so the result stays checkable from the CPU.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer A { uint a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { uint b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer C { uint c[]; };
layout(push_constant) uniform P {
   uint n;
   uint mul;
   uint xor_mask;
   uint spin;
} p;

void main()
{
   uint i = gl_GlobalInvocationID.x;
   if (i >= p.n)
      return;
   uint v = a[i] * p.mul + (b[i] ^ p.xor_mask);
   uint h = v;
   for (uint k = 0u; k < p.spin; k++)
      h = h * 1664525u + 1013904223u;
   c[i] = p.spin == 0u ? v : h;
}
