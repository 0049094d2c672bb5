import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { memo, startTransition, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type FormEvent, type SyntheticEvent } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Board, BoardColumn, DealCard, DealFilter, InCurrency, User } from '../backend';
import { useApp } from '../context';
import { appendCards, moveCard, withTotals } from '../lib/board';
import { formatDate, formatMoney, localDay } from '../lib/format';
import Dialog from '../components/Dialog';
import FormActions from '../components/FormActions';
import MoveSelect, { type Move } from '../components/MoveSelect';
import { dragText } from '../lib/dragText';
import { NewDealButton } from '../components/NewDeal';

/** Cards a column shows at first, and each "show more" adds. */
const PAGE = 50;
/** Cards a column draws before the board is first painted: more than a
 * column's height holds (cards are 120 px or taller). The rest of the page
 * is drawn right after, below the fold, so the board appears in half the
 * time (48 cards to make and lay out in an 800 px window instead of 300). */
const FIRST_DRAWN = Math.max(8, Math.ceil(window.innerHeight / 100));
/** The text filter asks the core once typing pauses this long (ms). */
const TYPING_PAUSE = 200;

/** Opportunities by stage: drag a card (or use its menu) to move the deal. */
export default function Pipeline() {
  const { t } = useTranslation();
  const { backend, fail, notify, status, locale } = useApp();
  const [board, setBoard] = useState<Board | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  // '' everyone, 'me' the user, else a user's id.
  const [owner, setOwner] = useState('');
  const [text, setText] = useState('');
  const [typed, setTyped] = useState('');
  // Whether every card of the board is drawn, or each column's first ones.
  const [whole, setWhole] = useState(false);
  const [dragged, setDragged] = useState<DealCard | null>(null);
  // A deal dropped on "lost" waits here for its reason before it moves.
  const [losing, setLosing] = useState<DealCard | null>(null);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor));
  // Only the answer to the latest question is shown (filters change fast).
  const asked = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setText(typed.trim()), TYPING_PAUSE);
    return () => clearTimeout(timer);
  }, [typed]);

  const me = status.user?.id ?? null;
  const ownerId = owner === 'me' ? me : owner || null;
  const filter: DealFilter = { owner_id: ownerId, text: text || null };

  const fetchBoard = useCallback(
    (cards: number) => backend.call('pipeline', { owner_id: ownerId, text: text || null, today: localDay(), cards_per_stage: cards }),
    [backend, ownerId, text],
  );

  const load = useCallback(() => {
    const n = ++asked.current;
    fetchBoard(PAGE).then((b) => {
      if (n !== asked.current) return;
      setBoard(b);
      setWhole(false);
    }, fail);
  }, [fetchBoard, fail]);
  useEffect(load, [load]);

  // Once the board is on screen (the frame after this one is painted), the
  // cards below each column's fold, at a priority typing and clicks pass.
  const drawn = board !== null;
  useEffect(() => {
    if (!drawn || whole) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => startTransition(() => setWhole(true)));
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [drawn, whole]);

  useEffect(() => {
    backend.call('list_users').then((all) => setUsers(all.filter((u) => u.active)), fail);
  }, [backend, fail]);

  const move = async (deal: DealCard, stage: string, lostReason: string | null = null) => {
    if (!board || deal.stage === stage) return;
    if (stage === 'lost' && lostReason === null) {
      setLosing(deal);
      return;
    }
    const before = board;
    // The card is drawn anew in its new column: the keyboard follows it
    // there instead of falling back to the top of the page.
    const hadFocus = document.querySelector(`[data-deal="${deal.id}"]`)?.contains(document.activeElement) ?? false;
    setBoard(moveCard(board, deal.id, stage)); // at once; the core confirms below
    if (hadFocus || lostReason !== null) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-stage="${stage}"] [data-deal="${deal.id}"] select`)?.focus());
    }
    try {
      await backend.call('move_deal', { id: deal.id, stage, lost_reason: lostReason || null });
      notify(t('pipeline.moved', { name: deal.name, stage: t(`stage.${stage}`) }));
    } catch (e) {
      setBoard(before);
      fail(e);
      return;
    }
    // The totals in the user's currency are the core's (it has the rates).
    const n = asked.current;
    fetchBoard(1).then((fresh) => n === asked.current && setBoard((b) => (b ? withTotals(b, fresh) : b)), fail);
  };

  const showMore = async (column: BoardColumn) => {
    const n = asked.current;
    try {
      const cards = await backend.call('stage_cards', { ...filter, stage: column.key, offset: column.deals.length, limit: PAGE });
      if (n === asked.current) setBoard((b) => (b ? appendCards(b, column.key, cards) : b));
    } catch (e) {
      fail(e);
    }
  };

  // The cards and columns are drawn once per board and kept (memo) while
  // the board changes elsewhere; they call the latest `move` and `showMore`
  // through these stable functions.
  const latest = useRef({ move, showMore });
  useLayoutEffect(() => {
    latest.current = { move, showMore };
  });
  const onMove = useCallback((deal: DealCard, stage: string) => void latest.current.move(deal, stage), []);
  const onMore = useCallback((column: BoardColumn) => latest.current.showMore(column), []);

  const onDragStart = (e: DragStartEvent) => setDragged((e.active.data.current?.deal as DealCard | undefined) ?? null);
  const onDragEnd = (e: DragEndEvent) => {
    setDragged(null);
    const deal = e.active.data.current?.deal as DealCard | undefined;
    const stage = e.over?.id as string | undefined;
    if (deal && stage) void move(deal, stage);
  };

  // Each card's "Move to" menu, translated once for the board, not per card.
  const stageKeys = board?.columns.map((c) => c.key).join(' ') ?? '';
  const moves = useMemo(
    () => (stageKeys ? stageKeys.split(' ') : []).map((key) => ({ key, label: `${t('pipeline.move_to')} ${t(`stage.${key}`)}` })),
    [stageKeys, t],
  );

  if (!board) return <p>{t('common.loading')}</p>;
  return (
    <section className="screen-fill" aria-labelledby="pipeline-title">
      <header className="screen-head">
        <h1 id="pipeline-title">{t('pipeline.title')}</h1>
        <BoardTotal board={board} />
        <NewDealButton onCreated={load} />
      </header>
      <div className="filters" role="search">
        <label className="grow">
          {t('pipeline.find')}
          <input type="search" value={typed} placeholder={t('pipeline.find_placeholder')} onChange={(e) => setTyped(e.target.value)} />
        </label>
        <label>
          {t('field.owner')}
          <select value={owner} onChange={(e) => setOwner(e.target.value)}>
            <option value="">{t('pipeline.everyone')}</option>
            {me && <option value="me">{t('pipeline.mine')}</option>}
            {users
              .filter((u) => u.id !== me)
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
          </select>
        </label>
        <span className="muted small">{t('pipeline.drag_hint')}</span>
      </div>
      <DndContext
        sensors={sensors}
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        onDragCancel={() => setDragged(null)}
        accessibility={dragText(t)}
      >
        <div className="board" aria-label={t('pipeline.board')} aria-busy={!whole}>
          {board.columns.map((column) => (
            <Column key={column.key} column={column} whole={whole} moves={moves} onMove={onMove} onMore={onMore} />
          ))}
        </div>
        {/* The card being dragged is drawn above everything, outside the
            columns that scroll (and so clip what leaves them). */}
        {createPortal(
          <DragOverlay zIndex={40}>{dragged && <CardFace deal={dragged} t={t} locale={locale} lifted />}</DragOverlay>,
          document.body,
        )}
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

/** "+ 3 deals in USD without a rate", one line per currency. */
function WithoutRate({ total }: { total: InCurrency }) {
  const { t } = useTranslation();
  return total.without_rate.map((m) => (
    <p key={m.currency} className="small warn-text" data-testid="without-rate">
      {t('pipeline.without_rate', { count: m.count, currency: m.currency })}
    </p>
  ));
}

/** Money per currency, for a tooltip: what the converted total is made of. */
function perCurrency(column: BoardColumn, locale: string, t: TFunction): string {
  return column.totals
    .map((x) =>
      t('pipeline.currency_line', {
        count: x.count,
        amount: formatMoney(x.amount, x.currency, locale),
        weighted: formatMoney(x.weighted, x.currency, locale),
      }),
    )
    .join('\n');
}

function BoardTotal({ board }: { board: Board }) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const open = board.open;
  return (
    <div className="board-total" data-testid="board-total">
      <span>
        {t('pipeline.open_total')} <strong>{formatMoney(open.amount, open.currency, locale)}</strong>
      </span>
      <span className="muted">
        {t('pipeline.weighted')} {formatMoney(open.weighted, open.currency, locale)}
      </span>
      <span className="muted small" title={t('pipeline.rates_hint')}>
        {t('pipeline.rates_of', { day: formatDate(board.day, locale) })}
      </span>
      <WithoutRate total={open} />
    </div>
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

/** One stage: its count and total, its cards, and "show more". Drawn again
 * only when its own cards or totals change. */
const Column = memo(function Column({
  column,
  whole,
  moves,
  onMove,
  onMore,
}: {
  column: BoardColumn;
  /** Every card loaded, else the first FIRST_DRAWN. */
  whole: boolean;
  moves: Move[];
  onMove: (d: DealCard, s: string) => void;
  onMore: (c: BoardColumn) => Promise<void>;
}) {
  const { t } = useTranslation();
  const { locale } = useApp();
  const { setNodeRef, isOver } = useDroppable({ id: column.key });
  const [busy, setBusy] = useState(false);
  const name = t(`stage.${column.key}`);
  const left = column.count - column.deals.length;
  const more = () => {
    setBusy(true);
    void onMore(column).finally(() => setBusy(false));
  };
  return (
    <section ref={setNodeRef} className={`column${isOver ? ' over' : ''}`} aria-label={name} data-stage={column.key}>
      <header>
        <h2>
          {name} <span className="count">{t('pipeline.deals', { count: column.count })}</span>
        </h2>
        <p className="column-total" data-testid="column-total" title={perCurrency(column, locale, t)}>
          <strong>{formatMoney(column.total.amount, column.total.currency, locale, true)}</strong>{' '}
          <span className="muted small">
            {t('pipeline.weighted')} {formatMoney(column.total.weighted, column.total.currency, locale, true)}
          </span>
        </p>
        <WithoutRate total={column.total} />
      </header>
      <ul>
        {(whole ? column.deals : column.deals.slice(0, FIRST_DRAWN)).map((deal) => (
          <Card key={deal.id} deal={deal} moves={moves} onMove={onMove} t={t} locale={locale} />
        ))}
        {whole && left > 0 && (
          <li className="more">
            <button type="button" onClick={more} disabled={busy} aria-label={t('pipeline.show_more_in', { stage: name })}>
              {t('pipeline.show_more', { count: left })}
            </button>
          </li>
        )}
      </ul>
    </section>
  );
});

/** Keeps a key or pointer press on a card's link or menu from starting a drag. */
const stop = (e: SyntheticEvent) => e.stopPropagation();

/** What a card shows; also what follows the pointer while it is dragged.
 * `t` and `locale` come from the column: hundreds of cards each asking
 * i18next and the app's context cost more than the card itself. */
function CardFace({ deal, t, locale, lifted = false }: { deal: DealCard; t: TFunction; locale: string; lifted?: boolean }) {
  const face = (
    <>
      {lifted ? (
        <div className="deal-name">{deal.name}</div>
      ) : (
        <a href={`#/records/opportunity/${deal.id}`} className="deal-name" draggable={false} onKeyDown={stop}>
          {deal.name}
        </a>
      )}
      {lifted ? (
        <span className="small">{deal.account_name ?? t('common.missing_record')}</span>
      ) : (
        <a href={`#/accounts/${deal.account_id}`} className="small" onPointerDown={stop}>
          {deal.account_name ?? t('common.missing_record')}
        </a>
      )}
      <div className="row small">
        <strong className="grow">{formatMoney(deal.amount, deal.currency, locale)}</strong>
        {deal.probability !== null && <span className="muted">{deal.probability}%</span>}
      </div>
      <div className="row small muted">
        <span className="grow">{deal.close_date && formatDate(deal.close_date, locale)}</span>
        {deal.owner_name && <span data-testid="deal-owner">{deal.owner_name}</span>}
      </div>
    </>
  );
  return lifted ? <div className="deal lifted">{face}</div> : face;
}

const Card = memo(function Card({
  deal,
  moves,
  onMove,
  t,
  locale,
}: {
  deal: DealCard;
  moves: Move[];
  onMove: (d: DealCard, s: string) => void;
  t: TFunction;
  locale: string;
}) {
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: deal.id, data: { deal } });
  const moveTo = `${t('pipeline.move_to')}: ${deal.name}`;
  // While dragged, the card stays in place as a placeholder; its copy in the
  // overlay follows the pointer.
  return (
    <li ref={setNodeRef} className={`deal${isDragging ? ' dragging' : ''}`} data-deal={deal.id} {...attributes} {...listeners}>
      <CardFace deal={deal} t={t} locale={locale} />
      <label className="small move" onPointerDown={stop} onKeyDown={stop}>
        <MoveSelect deal={deal} moves={moves} onMove={onMove} label={moveTo} />
      </label>
    </li>
  );
});

