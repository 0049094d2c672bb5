import { useEffect, useRef, type ReactNode } from 'react';

/**
 * The whole window covered, above everything (a modal `<dialog>` shown after
 * any other, so even an open dialog stays under it), the page behind inert.
 * Escape does not take it away, nor does anything else but its owner: if
 * the browser closes it anyway it is shown again. Keys pressed in it go no
 * further, so no shortcut of the screen behind opens anything.
 */
export default function Cover({ label, children }: { label: string; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="cover"
      aria-label={label}
      data-testid="cover"
      onCancel={(e) => e.preventDefault()}
      onClose={() => {
        const dialog = ref.current;
        if (dialog?.isConnected && !dialog.open) dialog.showModal();
      }}
      onKeyDown={(e) => e.stopPropagation()}
    >
      <div className="cover-panel card">{children}</div>
    </dialog>
  );
}
