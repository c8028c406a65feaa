#version 450
// Samples binding 0 without a depth reference: e2e-hostile binds a
// sampler that compares there, which the server must refuse at submit.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2D tex;
shared vec4 result;
void main()
{
   result = textureLod(tex, vec2(0.5), 0.0);
}
