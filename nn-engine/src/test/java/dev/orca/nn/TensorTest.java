package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void wrapsADirectByteBufferWithoutCopying() {
    ByteBuffer direct = ByteBuffer.allocateDirect(4 * 12).order(ByteOrder.nativeOrder());
    for (int i = 0; i < 12; i++) {
      direct.putFloat(4 * i, i);
    }
    Tensor t = Tensor.wrap(direct, 4, 3);
    assertEquals(Shape.of(4, 3), t.shape());
    assertEquals(5f, t.get(5));
    direct.putFloat(4 * 5, 42f);
    assertEquals(42f, t.get(5), "the tensor sees writes to the buffer");
    t.set(0, -1f);
    assertEquals(-1f, direct.getFloat(0), "the buffer sees writes to the tensor");
    Tensor batch = t.rows(1, 3);
    assertEquals(Shape.of(2, 3), batch.shape());
    assertEquals(3f, batch.get(0));
    assertEquals(t.address() + 12, batch.address(), "a row slice is a view at an offset");
    t.close();
    assertEquals(42f, direct.getFloat(20), "closing a view frees nothing");
  }

  @Test
  void wrapsANativeAddressAndHandsItToGemmInPlace() {
    try (FloatPointer owner = new FloatPointer(6)) {
      owner.put(new float[] {1, 2, 3, 4, 5, 6});
      Tensor a = Tensor.wrap(owner.address(), 6, 2, 3);
      try (Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
          Tensor c = Tensor.zeros(2, 2)) {
        for (Engine e :
            new Engine[] {Engine.of(Engine.Backend.MKL, 1), Engine.of(Engine.Backend.JAVA, 1)}) {
          e.blas().gemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2);
          assertArrayEquals(new float[] {4, 5, 10, 11}, c.toArray(), e.toString());
        }
      }
      assertThrows(OrcaDataException.class, () -> Tensor.wrap(owner.address(), 6, 4, 2));
    }
  }

  @Test
  void rejectsHeapAndForeignOrderBuffers() {
    assertThrows(OrcaDataException.class, () -> Tensor.wrap(ByteBuffer.allocate(16), 4));
    FloatBuffer swapped =
        ByteBuffer.allocateDirect(16)
            .order(
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                    ? ByteOrder.LITTLE_ENDIAN
                    : ByteOrder.BIG_ENDIAN)
            .asFloatBuffer();
    OrcaDataException e = assertThrows(OrcaDataException.class, () -> Tensor.wrap(swapped, 4));
    assertTrue(e.getMessage().contains("native order"), e.getMessage());
  }

  @Test
  void viewsShareMemoryAndCheckTheirBounds() {
    try (Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 4, 2)) {
      Tensor r = t.rows(2, 4).reshape(4);
      r.set(0, 40f);
      assertEquals(40f, t.get(4));
      assertArrayEquals(new float[] {40, 5, 6, 7}, r.toArray());
      assertEquals(4, r.asFloatBuffer().remaining());
      assertTrue(r.asFloatBuffer().isDirect());
      assertThrows(OrcaDataException.class, () -> t.rows(3, 5));
      assertThrows(OrcaDataException.class, () -> t.reshape(3, 3));
      assertThrows(OrcaDataException.class, () -> r.get(4));
    }
  }

  @Test
  void closeFreesNativeMemoryOnceAndLaterUseFailsClearly() {
    long before = Pointer.totalBytes();
    Tensor t = Tensor.zeros(1000, 100);
    assertEquals(before + 400_000, Pointer.totalBytes(), 64);
    Tensor view = t.rows(0, 10);
    assertTrue(t.ownsMemory());
    assertFalse(view.ownsMemory());
    t.close();
    t.close();
    assertEquals(before, Pointer.totalBytes());
    assertFalse(view.isOpen());
    OrcaException e = assertThrows(OrcaException.class, () -> view.get(0));
    assertTrue(e.getMessage().contains("after its memory was freed"), e.getMessage());
  }

  @Test
  void shapesPrintLikeKerasAndRejectNegativeDimensions() {
    assertEquals("(64,)", Shape.of(64).toString());
    assertEquals("(8, 8, 1)", Shape.of(8, 8, 1).toString());
    assertEquals(Shape.of(32, 64), Shape.of(64).withBatch(32));
    assertThrows(OrcaDataException.class, () -> Shape.of(3, -1));
  }
}
