/*
 * list.h: a tiny intrusive doubly linked list (glibc ships no sys/queue.h
 * here). A node that is on no list points at itself, so removal is
 * idempotent and "is it linked?" is one comparison.
 */
#ifndef FERRY_RELAY_LIST_H
#define FERRY_RELAY_LIST_H

#include <stddef.h>

struct relay_list {
	struct relay_list	*prev;
	struct relay_list	*next;
};

/* The struct that holds a list node: relay_list_entry(n, struct relay_peer, link). */
#define relay_list_entry(ptr, type, member)				\
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void
relay_list_init(struct relay_list *l)
{
	l->prev = l;
	l->next = l;
}

static inline int
relay_list_empty(const struct relay_list *head)
{
	return head->next == head;
}

/* True when the node is on some list (for a node, not a head). */
static inline int
relay_list_linked(const struct relay_list *n)
{
	return n->next != n;
}

static inline void
relay_list_insert_tail(struct relay_list *head, struct relay_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void
relay_list_remove(struct relay_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n;
	n->next = n;
}

#endif /* FERRY_RELAY_LIST_H */
