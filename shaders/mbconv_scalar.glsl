// SCALAR (portable) steps of mbconv.comp: plain loops, any device. Shared
// memory (fp32, mbconv_layout.h): H [PIN][HC], D [MP][HC] (values rounded to
// the storage type, as the unfused layers store them) and the project sums
// ACC [MP][COUT], so nothing but loop counters is live across a barrier. The
// input and the weights are read from device memory. CIN == cin and
// COUT == cout here (no padding).
#ifdef EXPAND_DW
shared float SH[PIN * HC];  // H only: the depthwise step stores to device memory
#else
shared float SH[EFFNET_MBCONV_SC_FLOATS(PIN, MP, HC, COUT)];
#endif
const uint D_OFF = PIN * HC;
const uint ACC_OFF = D_OFF + MP * HC;
const uint D_ROWS = MP;

float to_storage(float v) {
#ifdef FP16
  return float(float16_t(v));
#else
  return v;
#endif
}

void h_load8(uint row, uint g, out vec4 lo, out vec4 hi) {
  const uint at = row * HC + 8 * g;
  lo = vec4(SH[at], SH[at + 1], SH[at + 2], SH[at + 3]);
  hi = vec4(SH[at + 4], SH[at + 5], SH[at + 6], SH[at + 7]);
}
void d_store8(uint row, uint g, vec4 lo, vec4 hi) {
  const uint at = D_OFF + row * HC + 8 * g;
  [[unroll]] for (uint e = 0; e < 4; ++e) {
    SH[at + e] = to_storage(lo[e]);
    SH[at + 4 + e] = to_storage(hi[e]);
  }
}
// EXPAND_DW: 8 channels of the block's hidden output from element `at`.
void out_store8(uint at, vec4 lo, vec4 hi) {
  [[unroll]] for (uint e = 0; e < 4; ++e) {
    out_data[at + e] = SFP(lo[e]);
    out_data[at + 4 + e] = SFP(hi[e]);
  }
}
// The depthwise weight [9][HIDDEN] and bias straight from device memory.
void dw_weight8(uint hc0, uint tap, uint g, out vec4 lo, out vec4 hi) {
  const uint at = DW_OFF + tap * HIDDEN + hc0 + 8 * g;
  lo = vec4(vf[at], vf[at + 1], vf[at + 2], vf[at + 3]);
  hi = vec4(vf[at + 4], vf[at + 5], vf[at + 6], vf[at + 7]);
}
void dw_bias8(uint hc0, uint g, out vec4 lo, out vec4 hi) {
  const uint c = hc0 + 8 * g;
  lo = vec4(vf[DB_OFF + c], vf[DB_OFF + c + 1], vf[DB_OFF + c + 2], vf[DB_OFF + c + 3]);
  hi = vec4(vf[DB_OFF + c + 4], vf[DB_OFF + c + 5], vf[DB_OFF + c + 6], vf[DB_OFF + c + 7]);
}

void stage_input(uint img, int iy0, int ix0) {}
void stage_weights(uint hc0) {}  // read from device memory where used
void stage_dw_weights(uint hc0) {}

// H[r][j] for input-tile pixel r and chunk channel j; 0 outside the image
// (never read: the depthwise step skips those taps).
void expand_chunk(uint hc0, uint img, int iy0, int ix0) {
  for (uint i = gl_LocalInvocationIndex; i < PIN * HC; i += WG_SIZE) {
    const uint r = i / HC, j = i % HC;
    const int gy = iy0 + int(r / IW), gx = ix0 + int(r % IW);
    float v = 0.0;
    if (gy >= 0 && gy < int(pc.h) && gx >= 0 && gx < int(pc.w)) {
      const uint xb = ((img * pc.h + uint(gy)) * pc.w + uint(gx)) * pc.cin, wb = (hc0 + j) * CIN;
      float s = vf[BE_OFF + hc0 + j];
      for (uint k = 0; k < pc.cin; ++k) s = fma(float(x_data[xb + k]), float(we_data[wb + k]), s);
      v = to_storage(clamp(s, 0.0, 6.0));
    }
    SH[i] = v;
  }
}

// Rows of the bias (slice 0) or zeros; made visible by the barrier before the first chunk.
void project_init(bool with_bias) {
  for (uint i = gl_LocalInvocationIndex; i < MP * COUT; i += WG_SIZE)
    SH[ACC_OFF + i] = with_bias ? vf[BP_OFF + i % COUT] : 0.0;
}

// Each element of ACC is owned by one invocation (the same in every chunk).
void project_chunk(uint hc0) {
  for (uint i = gl_LocalInvocationIndex; i < MP * COUT; i += WG_SIZE) {
    const uint q = i / COUT, co = i % COUT, db = D_OFF + q * HC, wb = co * HIDDEN + hc0;
    float s = SH[ACC_OFF + i];
    for (uint k = 0; k < HC; ++k) s = fma(SH[db + k], float(wp_data[wb + k]), s);
    SH[ACC_OFF + i] = s;
  }
}

// Each invocation stores the elements it accumulated: no barrier needed.
void finish(uint img, uint oy0, uint ox0, uint part_base) {
  for (uint i = gl_LocalInvocationIndex; i < MP * COUT; i += WG_SIZE) {
    const uint q = i / COUT, co = i % COUT, oy = oy0 + q / TW, ox = ox0 + q % TW;
    if (SPLIT > 1) {
      part[part_base + q * COUT + co] = SH[ACC_OFF + i];
    } else if (oy < pc.ho && ox < pc.wo) {
      out_data[((img * pc.ho + oy) * pc.wo + ox) * pc.cout + co] = SFP(SH[ACC_OFF + i]);
    }
  }
}
