import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal dialog on the browser's own `<dialog>`: shown in the top layer
 * (above everything, never clipped by a column or a scrolled list), the page
 * behind it inert, focus held inside and given back to where it was on
 * close, Escape and a click on the backdrop close it.
 */
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export default function Dialog({
  label,
  onClose,
  className = '',
  children,
}: {
  /** What the dialog is for, read by screen readers. */
  label: string;
  onClose: () => void;
  className?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // showModal focuses the dialog's first field (each dialog puts the one to
    // fill first).
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      // Back to the button or row that opened it, if it is still there.
      if (before?.isConnected) before.focus({ preventScroll: true });
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal ${className}`.trim()}
      aria-label={label}
      onCancel={(e) => {
        // Escape: the owner decides (it unmounts the dialog).
        e.preventDefault();
        close.current();
      }}
      onKeyDown={(e) => {
        // Tab and Shift+Tab go round inside the dialog, never out to the
        // browser's own controls.
        if (e.key !== 'Tab' || !ref.current) return;
        const focusable = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
        if (focusable.length === 0) return;
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        } else if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        }
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === ref.current) close.current();
      }}
    >
      {children}
    </dialog>
  );
}
