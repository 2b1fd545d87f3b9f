package dev.orca.collective.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangeSetTest {

  @Test
  void mergesTouchingRangesAndRejectsOverlaps() {
    RangeSet s = new RangeSet();
    assertTrue(s.add(10, 20));
    assertTrue(s.add(30, 40));
    assertTrue(s.add(0, 5));
    assertEquals(3, s.count());
    assertTrue(s.add(20, 30), "fills the gap and joins both sides");
    assertEquals(2, s.count());
    assertEquals(10, s.from(1));
    assertEquals(40, s.to(1));
    assertFalse(s.add(39, 41), "overlaps the end");
    assertFalse(s.add(4, 6), "overlaps the first");
    assertFalse(s.add(12, 13), "inside");
    assertFalse(s.add(0, 100), "covers everything");
    assertTrue(s.add(5, 10));
    assertEquals(1, s.count());
    assertEquals(40, s.covered());
    for (int i = 0; i < 50; i++) {
      assertTrue(s.add(100 + 3 * i, 101 + 3 * i)); // forces the arrays to grow
    }
    assertEquals(51, s.count());
    assertEquals(90, s.covered());
    s.clear();
    assertEquals(0, s.count());
    assertEquals(0, s.covered());
  }
}
