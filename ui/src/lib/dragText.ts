import type { Announcements, ScreenReaderInstructions } from '@dnd-kit/core';
import type { TFunction } from 'i18next';

interface Named {
  id: string | number;
  data: { current?: { deal?: { name: string } } | Record<string, unknown> };
}

/** What a screen reader hears while a deal is dragged between stages: the
 * deal's name and the stage's, in the user's language, never an id. */
export function dragText(t: TFunction): { announcements: Announcements; screenReaderInstructions: ScreenReaderInstructions } {
  const deal = (a: Named) => (a.data.current as { deal?: { name: string } } | undefined)?.deal?.name ?? '';
  const stage = (id: string | number | undefined) => (id === undefined ? '' : t(`stage.${String(id)}`));
  return {
    screenReaderInstructions: { draggable: t('pipeline.drag_instructions') },
    announcements: {
      onDragStart: ({ active }) => t('pipeline.drag_start', { name: deal(active) }),
      onDragOver: ({ active, over }) =>
        over ? t('pipeline.drag_over', { name: deal(active), stage: stage(over.id) }) : t('pipeline.drag_nowhere', { name: deal(active) }),
      onDragEnd: ({ active, over }) =>
        over ? t('pipeline.drag_end', { name: deal(active), stage: stage(over.id) }) : t('pipeline.drag_cancel', { name: deal(active) }),
      onDragCancel: ({ active }) => t('pipeline.drag_cancel', { name: deal(active) }),
    },
  };
}
