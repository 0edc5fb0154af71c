(function(){
  const rows=[...document.querySelectorAll('tr.finding')];
  const state={severity:null,kind:null,text:''};
  function apply(){
    let shown=0;
    for(const r of rows){
      const ok=(!state.severity||r.dataset.severity===state.severity)&&
        (!state.kind||r.dataset.kind===state.kind)&&
        (!state.text||r.textContent.toLowerCase().includes(state.text));
      r.classList.toggle('hidden',!ok); if(ok) shown++;
    }
    document.getElementById('shown').textContent=shown;
  }
  function press(){
    for(const o of document.querySelectorAll('.filters button'))
      o.setAttribute('aria-pressed',String(state[o.dataset.filter]===o.dataset.value));
  }
  for(const b of document.querySelectorAll('.filters button')){
    b.addEventListener('click',()=>{
      const k=b.dataset.filter,v=b.dataset.value;
      state[k]=state[k]===v?null:v; press(); apply();
    });
  }
  const search=document.getElementById('search');
  search.addEventListener('input',e=>{state.text=e.target.value.toLowerCase(); apply();});
  // A link back from a patch to a finding the filters hide: clear them, then show the row.
  function reveal(){
    let id='';
    try{ id=decodeURIComponent(location.hash.slice(1)); }catch(e){ return; }
    const t=id&&document.getElementById(id);
    if(t&&t.classList.contains('finding')&&t.classList.contains('hidden')){
      state.severity=null; state.kind=null; state.text=''; search.value='';
      press(); apply(); t.scrollIntoView();
    }
  }
  window.addEventListener('hashchange',reveal);
  apply();
})();
