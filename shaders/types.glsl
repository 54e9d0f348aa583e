// Storage type of activations and weights: SFP = float16_t with -DFP16 (fp16
// storage, fp32 arithmetic), float otherwise. Arithmetic is always float.
#ifdef FP16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define SFP float16_t
#else
#define SFP float
#endif

// Activation selected by the EFFNET_SC_ACT specialization constant `ACT`.
float apply_act(float v, uint act) {
  if (act == EFFNET_ACT_RELU) return max(v, 0.0);
  if (act == EFFNET_ACT_RELU6) return clamp(v, 0.0, 6.0);
  return v;
}
