// A code editor entry (CodeMirror, Python) for scripts and conditions: what is typed is written to
// the diagram, and the sandbox's syntax check (POST urls.checkScript) answers as one types.
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useRef, useState } from '@bpmn-io/properties-panel/preact/hooks';
import { useService } from 'bpmn-js-properties-panel';
import { EditorView, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { python } from '@codemirror/lang-python';
import { post } from '../api.js';

// CodeMirror writes its styles into a <style> element: the page's policy admits it by this nonce.
const STYLE_NONCE = document.querySelector('meta[name=csp-style-nonce]')?.content || '';

const WRITE_AFTER_MS = 300;
const CHECK_AFTER_MS = 450;

function later(callback, delay) {
  let timer = null;
  return value => {
    clearTimeout(timer);
    timer = setTimeout(() => callback(value), delay);
  };
}

export function CodeEntry(props) {
  const { element, id, label, getValue, setValue, mode, description } = props;
  const translate = useService('translate');
  const config = useService('sqflowConfig');
  const host = useRef(null);
  const view = useRef(null);
  const [ verdict, setVerdict ] = useState(null);
  const value = getValue() || '';

  useEffect(() => {
    let asked = 0;
    const check = later(async source => {
      const ticket = ++asked;
      if (!source.trim()) {
        setVerdict(null);
        return;
      }
      setVerdict({ kind: 'pending', text: translate('Checking…') });
      try {
        const result = await post(config.urls.checkScript, { source, mode });
        if (ticket === asked) {
          setVerdict(result.ok ? { kind: 'ok', text: translate('The sandbox accepts it.') }
            : { kind: 'error', text: result.message });
        }
      } catch (error) {
        if (ticket === asked) {
          setVerdict({ kind: 'error', text: translate('Cannot check now.') });
        }
      }
    }, CHECK_AFTER_MS);
    const write = later(setValue, WRITE_AFTER_MS);
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(), history(), python(), syntaxHighlighting(defaultHighlightStyle), EditorView.lineWrapping,
          keymap.of([ ...defaultKeymap, ...historyKeymap, indentWithTab ]),
          placeholder(mode === 'eval' ? 'amount > 1000' : 'total = price * quantity'),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.cspNonce.of(STYLE_NONCE),
          EditorView.updateListener.of(update => {
            if (update.docChanged) {
              const text = update.state.doc.toString();
              write(text);
              check(text);
            }
          })
        ]
      })
    });
    view.current = editor;
    check(value);
    return () => editor.destroy();
  }, [ element.id, id ]);

  // Undo and redo change the diagram under the editor: show what the diagram says.
  useEffect(() => {
    const editor = view.current;
    if (editor && !editor.hasFocus && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [ value ]);

  return h('div', { class: 'bio-properties-panel-entry sqflow-code-entry', 'data-entry-id': id }, [
    h('label', { class: 'bio-properties-panel-label' }, label),
    h('div', { class: 'sqflow-code', ref: host, 'data-mode': mode }),
    verdict && h('div', { class: 'sqflow-check sqflow-check-' + verdict.kind, role: 'status' }, verdict.text),
    description && h('div', { class: 'bio-properties-panel-description' }, description)
  ]);
}
