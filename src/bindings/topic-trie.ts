// Owns AMQP topic matching (`*` = exactly one word, `#` = zero or more) over a set of patterns.
// A trie keyed by words, so matching cost grows with key length, not with the number of patterns.

interface TrieNode<T> {
  children: Map<string, TrieNode<T>>;
  values: Set<T>;
}

function newNode<T>(): TrieNode<T> {
  return { children: new Map(), values: new Set() };
}

/** Splits a routing key or pattern into its dot-separated words. */
export function words(key: string): string[] {
  return key.split('.');
}

/**
 * A set of topic patterns, each carrying values; `match(key)` returns the values of every
 * pattern the key matches.
 * @example
 * const t = new TopicTrie<string>(); t.add("call.A.*.*", "room1");
 * t.match("call.A.CHANNEL_CREATE.abc"); // Set { "room1" }
 */
export class TopicTrie<T> {
  private readonly root: TrieNode<T> = newNode();
  private count = 0;

  /** Number of (pattern, value) pairs held. */
  get size(): number {
    return this.count;
  }

  add(pattern: string, value: T): void {
    let node = this.root;
    for (const word of words(pattern)) {
      let next = node.children.get(word);
      if (!next) {
        next = newNode();
        node.children.set(word, next);
      }
      node = next;
    }
    if (!node.values.has(value)) {
      node.values.add(value);
      this.count++;
    }
  }

  /** Removes one (pattern, value) pair and prunes branches left empty. */
  remove(pattern: string, value: T): void {
    const path: Array<[TrieNode<T>, string]> = [];
    let node: TrieNode<T> | undefined = this.root;
    for (const word of words(pattern)) {
      path.push([node, word]);
      node = node.children.get(word);
      if (!node) return;
    }
    if (!node.values.delete(value)) return;
    this.count--;
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, word] = path[i]!;
      const child = parent.children.get(word)!;
      if (child.values.size > 0 || child.children.size > 0) break;
      parent.children.delete(word);
    }
  }

  /** Every value whose pattern matches `key` (a key without wildcards). */
  match(key: string): Set<T> {
    const found = new Set<T>();
    this.walk(this.root, words(key), 0, found);
    return found;
  }

  private walk(node: TrieNode<T>, keyWords: string[], i: number, found: Set<T>): void {
    const hash = node.children.get('#');
    if (hash) {
      // `#` swallows zero or more words: try every remaining suffix.
      for (let j = i; j <= keyWords.length; j++) this.walk(hash, keyWords, j, found);
    }
    if (i === keyWords.length) {
      for (const v of node.values) found.add(v);
      return;
    }
    const exact = node.children.get(keyWords[i]!);
    if (exact) this.walk(exact, keyWords, i + 1, found);
    const star = node.children.get('*');
    if (star) this.walk(star, keyWords, i + 1, found);
  }
}

/**
 * Whether one key matches one topic pattern (the trie's rule, for a single pair).
 * @example topicMatches("call.*.#", "call.A.CHANNEL_CREATE.x") // true
 */
export function topicMatches(pattern: string, key: string): boolean {
  const t = new TopicTrie<true>();
  t.add(pattern, true);
  return t.match(key).size > 0;
}
