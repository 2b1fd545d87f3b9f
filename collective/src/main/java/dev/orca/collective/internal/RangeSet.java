package dev.orca.collective.internal;

import java.util.Arrays;

/**
 * Disjoint half-open int ranges, kept sorted and merged where they touch. Tracks which parts of a
 * buffer were marked ready, so that a range marked twice (which would be summed twice) is caught.
 * Reused across steps; it only grows.
 */
public final class RangeSet {
  private int[] from = new int[8];
  private int[] to = new int[8];
  private int count;
  private long covered;

  public void clear() {
    count = 0;
    covered = 0;
  }

  /** Elements covered by all ranges. */
  public long covered() {
    return covered;
  }

  public int count() {
    return count;
  }

  public int from(int i) {
    return from[i];
  }

  public int to(int i) {
    return to[i];
  }

  /** Adds {@code [a, b)}, {@code a < b}; returns false (and changes nothing) if it overlaps. */
  public boolean add(int a, int b) {
    int i = 0;
    while (i < count && from[i] < a) {
      i++;
    }
    // i: first range starting at or after a
    if ((i > 0 && to[i - 1] > a) || (i < count && from[i] < b)) {
      return false;
    }
    covered += b - a;
    boolean joinsLeft = i > 0 && to[i - 1] == a;
    boolean joinsRight = i < count && from[i] == b;
    if (joinsLeft && joinsRight) {
      to[i - 1] = to[i];
      remove(i);
    } else if (joinsLeft) {
      to[i - 1] = b;
    } else if (joinsRight) {
      from[i] = a;
    } else {
      insert(i, a, b);
    }
    return true;
  }

  private void insert(int i, int a, int b) {
    if (count == from.length) {
      from = Arrays.copyOf(from, 2 * count);
      to = Arrays.copyOf(to, 2 * count);
    }
    System.arraycopy(from, i, from, i + 1, count - i);
    System.arraycopy(to, i, to, i + 1, count - i);
    from[i] = a;
    to[i] = b;
    count++;
  }

  private void remove(int i) {
    System.arraycopy(from, i + 1, from, i, count - i - 1);
    System.arraycopy(to, i + 1, to, i, count - i - 1);
    count--;
  }
}
