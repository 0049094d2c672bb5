import { DndContext, KeyboardSensor, PointerSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Board, BoardColumn, DealCard } from '../backend';
import { useApp } from '../context';
import { moveCard } from '../lib/board';
import { formatDate, formatMoney } from '../lib/format';
import Dialog from '../components/Dialog';
import FormActions from '../components/FormActions';
import { dragText } from '../lib/dragText';
import { NewDealButton } from '../components/NewDeal';

/** Opportunities by stage: drag a card (or use its menu) to move the deal. */
export default function Pipeline() {
  const { t } = useTranslation();
  const { backend, fail, notify } = useApp();
  const [board, setBoard] = useState<Board | null>(null);
  // A deal dropped on "lost" waits here for its reason before it moves.
  const [losing, setLosing] = useState<DealCard | null>(null);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor));

  const load = useCallback(() => {
    backend.call('pipeline', {}).then(setBoard, fail);
  }, [backend, fail]);
  useEffect(load, [load]);

  const move = async (deal: DealCard, stage: string, lostReason: string | null = null) => {
    if (!board || deal.stage === stage) return;
    if (stage === 'lost' && lostReason === null) {
      setLosing(deal);
      return;
    }
    const before = board;
    setBoard(moveCard(board, deal.id, stage)); // at once; the core confirms below
    try {
      await backend.call('move_deal', { id: deal.id, stage, lost_reason: lostReason || null });
      notify(t('pipeline.moved', { name: deal.name, stage: t(`stage.${stage}`) }));
    } catch (e) {
      setBoard(before);
      fail(e);
    }
  };

  const onDragEnd = (e: DragEndEvent) => {
    const deal = e.active.data.current?.deal as DealCard | undefined;
    const stage = e.over?.id as string | undefined;
    if (deal && stage) void move(deal, stage);
  };

  if (!board) return <p>{t('common.loading')}</p>;
  return (
    <section className="screen-fill" aria-labelledby="pipeline-title">
      <header className="screen-head">
        <h1 id="pipeline-title">{t('pipeline.title')}</h1>
        <span className="muted">{t('pipeline.drag_hint')}</span>
        <NewDealButton onCreated={load} />
      </header>
      <DndContext sensors={sensors} onDragEnd={onDragEnd} accessibility={dragText(t)}>
        <div className="board" aria-label={t('pipeline.board')}>
          {board.columns.map((column) => (
            <Column key={column.key} column={column} stages={board.columns} onMove={move} />
          ))}
        </div>
      </DndContext>
      {losing && (
        <LostReason
          deal={losing}
          onDone={(reason) => {
            setLosing(null);
            if (reason !== null) void move(losing, 'lost', reason);
          }}
        />
      )}
    </section>
  );
}

/** Ask why a deal was lost (optional, but what managers review later). */
function LostReason({ deal, onDone }: { deal: DealCard; onDone: (reason: string | null) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onDone(reason.trim());
  };
  return (
    <Dialog label={t('pipeline.lost_title', { name: deal.name })} onClose={() => onDone(null)}>
      <form className="card form" onSubmit={submit}>
        <h2>{t('pipeline.lost_title', { name: deal.name })}</h2>
        <label>
          {t('field.lost_reason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={500} />
        </label>
        <FormActions submit={t('pipeline.mark_lost')} onCancel={() => onDone(null)} />
      </form>
    </Dialog>
  );
}

function Column({ column, stages, onMove }: { column: BoardColumn; stages: BoardColumn[]; onMove: (d: DealCard, s: string) => void }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const { setNodeRef, isOver } = useDroppable({ id: column.key });
  const name = t(`stage.${column.key}`);
  return (
    <section ref={setNodeRef} className={`column${isOver ? ' over' : ''}`} aria-label={name} data-stage={column.key}>
      <header>
        <h2>
          {name} <span className="count">{t('pipeline.deals', { count: column.count })}</span>
        </h2>
        <dl className="totals">
          {column.totals.map((total) => (
            <div key={total.currency}>
              <dt>{t('pipeline.total')}</dt>
              <dd>{formatMoney(total.amount, total.currency, locale, true)}</dd>
              <dt>{t('pipeline.weighted')}</dt>
              <dd>{formatMoney(total.weighted, total.currency, locale, true)}</dd>
            </div>
          ))}
        </dl>
        {column.count > column.deals.length && <p className="muted small">{t('pipeline.showing', { shown: column.deals.length })}</p>}
      </header>
      <ul>
        {column.deals.map((deal) => (
          <Card key={deal.id} deal={deal} stages={stages} onMove={onMove} />
        ))}
      </ul>
    </section>
  );
}

function Card({ deal, stages, onMove }: { deal: DealCard; stages: BoardColumn[]; onMove: (d: DealCard, s: string) => void }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id: deal.id, data: { deal } });
  const style = transform ? { transform: `translate(${transform.x}px, ${transform.y}px)`, zIndex: 10 } : undefined;
  return (
    <li ref={setNodeRef} style={style} className={`deal${isDragging ? ' dragging' : ''}`} data-deal={deal.id} {...attributes} {...listeners}>
      <a href={`#/records/opportunity/${deal.id}`} className="deal-name" draggable={false} onKeyDown={(e) => e.stopPropagation()}>
        {deal.name}
      </a>
      <a href={`#/accounts/${deal.account_id}`} className="small" onPointerDown={(e) => e.stopPropagation()}>
        {deal.account_name ?? t('common.missing_record')}
      </a>
      <div className="row small">
        <strong className="grow">{formatMoney(deal.amount, deal.currency, locale)}</strong>
        {deal.probability !== null && <span className="muted">{deal.probability}%</span>}
      </div>
      {deal.close_date && <div className="muted small">{formatDate(deal.close_date, locale)}</div>}
      <label className="small move" onPointerDown={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
        <span className="sr-only">
          {t('pipeline.move_to')} ({deal.name})
        </span>
        <select value={deal.stage} onChange={(e) => onMove(deal, e.target.value)} aria-label={`${t('pipeline.move_to')}: ${deal.name}`}>
          {stages.map((s) => (
            <option key={s.key} value={s.key}>
              {t('pipeline.move_to')} {t(`stage.${s.key}`)}
            </option>
          ))}
        </select>
      </label>
    </li>
  );
}
