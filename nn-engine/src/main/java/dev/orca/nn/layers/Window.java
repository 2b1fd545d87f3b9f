package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Where the windows of a 2-D convolution or pooling lie on channels-last images: kernel size,
 * strides, dilations and explicit zero padding on each side ({@code top, left, bottom, right}), and
 * whether a last partial window is kept (ceil mode, pooling only). Immutable.
 */
public final class Window implements Serializable {
  private static final long serialVersionUID = 1L;
  final int kh;
  final int kw;
  final int sh;
  final int sw;
  final int dh;
  final int dw;
  final int[] pads;
  final boolean ceil;

  private Window(int kh, int kw, int sh, int sw, int dh, int dw, int[] pads, boolean ceil) {
    this.kh = kh;
    this.kw = kw;
    this.sh = sh;
    this.sw = sw;
    this.dh = dh;
    this.dw = dw;
    this.pads = pads;
    this.ceil = ceil;
  }

  /** A {@code kh x kw} window, stride 1, no dilation, no padding. */
  public static Window of(int kh, int kw) {
    return new Window(kh, kw, 1, 1, 1, 1, new int[4], false);
  }

  public Window strides(int sh, int sw) {
    return new Window(kh, kw, sh, sw, dh, dw, pads, ceil);
  }

  public Window dilations(int dh, int dw) {
    return new Window(kh, kw, sh, sw, dh, dw, pads, ceil);
  }

  /** Zero padding: rows above and below, columns left and right. */
  public Window pads(int top, int left, int bottom, int right) {
    return new Window(kh, kw, sh, sw, dh, dw, new int[] {top, left, bottom, right}, ceil);
  }

  /** Keeps a last window that starts inside the (padded) image but does not fit in it. */
  public Window ceilMode(boolean on) {
    return new Window(kh, kw, sh, sw, dh, dw, pads, on);
  }

  public int[] kernel() {
    return new int[] {kh, kw};
  }

  public int[] strides() {
    return new int[] {sh, sw};
  }

  public int[] dilations() {
    return new int[] {dh, dw};
  }

  /** Top, left, bottom, right. */
  public int[] pads() {
    return pads.clone();
  }

  public boolean ceil() {
    return ceil;
  }

  /** Fails, naming the values, unless every size is positive and every pad is not negative. */
  String check() {
    boolean ok =
        kh > 0
            && kw > 0
            && sh > 0
            && sw > 0
            && dh > 0
            && dw > 0
            && pads != null
            && pads.length == 4;
    for (int i = 0; ok && i < 4; i++) {
      ok = pads[i] >= 0;
    }
    return ok
        ? null
        : "kernel, strides and dilations must be positive and pads not negative: " + this;
  }

  /** Output rows (or columns) for {@code size} input rows. */
  int out(int size, int k, int s, int d, int padBefore, int padAfter) {
    int span = (k - 1) * d + 1;
    int room = size + padBefore + padAfter - span;
    if (room < 0) {
      return 0;
    }
    int n = (ceil ? (room + s - 1) / s : room / s) + 1;
    // a window that would start in the padding after the image is dropped (as ONNX Runtime does)
    if (ceil && (n - 1) * s >= size + padBefore) {
      n--;
    }
    return n;
  }

  int outH(int h) {
    return out(h, kh, sh, dh, pads[0], pads[2]);
  }

  int outW(int w) {
    return out(w, kw, sw, dw, pads[1], pads[3]);
  }

  /** The output shape for channels-last input {@code (h, w, c)} and {@code channels} outputs. */
  Shape outputShape(Shape in, int channels) {
    return Shape.of(outH(in.dim(0)), outW(in.dim(1)), channels);
  }

  @Override
  public String toString() {
    return kh
        + "x"
        + kw
        + (sh != 1 || sw != 1 ? ", strides " + sh + "x" + sw : "")
        + (dh != 1 || dw != 1 ? ", dilations " + dh + "x" + dw : "")
        + (pads != null && Arrays.stream(pads).anyMatch(p -> p != 0)
            ? ", pads " + Arrays.toString(pads)
            : "")
        + (ceil ? ", ceil" : "");
  }
}
