/* Prints sizes and field offsets of the netlink/XFRM/rtnetlink UAPI structs, the source of the numbers in
 * XfrmStructLayoutTests. how: gcc -o /tmp/xfrm-layout xfrm-layout.c && /tmp/xfrm-layout
 * (Debian linux-libc-dev, x86-64; the same on arm64 and EABI arm, where u64 is 8-aligned). */
#include <stdio.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <linux/rtnetlink.h>
#define S(t) printf("%s size %zu\n", #t, sizeof(struct t))
#define O(t,f) printf("  %s.%s %zu\n", #t, #f, offsetof(struct t, f))
int main(void){
S(nlmsghdr); O(nlmsghdr,nlmsg_len);O(nlmsghdr,nlmsg_type);O(nlmsghdr,nlmsg_flags);O(nlmsghdr,nlmsg_seq);O(nlmsghdr,nlmsg_pid);
S(nlmsgerr); O(nlmsgerr,error); O(nlmsgerr,msg);
S(nlattr); S(sockaddr_nl); O(sockaddr_nl,nl_pid); O(sockaddr_nl,nl_groups);
S(xfrm_selector); O(xfrm_selector,daddr);O(xfrm_selector,saddr);O(xfrm_selector,dport);O(xfrm_selector,dport_mask);O(xfrm_selector,sport);O(xfrm_selector,sport_mask);O(xfrm_selector,family);O(xfrm_selector,prefixlen_d);O(xfrm_selector,prefixlen_s);O(xfrm_selector,proto);O(xfrm_selector,ifindex);O(xfrm_selector,user);
S(xfrm_id); O(xfrm_id,daddr);O(xfrm_id,spi);O(xfrm_id,proto);
S(xfrm_lifetime_cfg); O(xfrm_lifetime_cfg,soft_byte_limit);O(xfrm_lifetime_cfg,hard_byte_limit);O(xfrm_lifetime_cfg,soft_packet_limit);O(xfrm_lifetime_cfg,hard_packet_limit);O(xfrm_lifetime_cfg,soft_add_expires_seconds);O(xfrm_lifetime_cfg,hard_add_expires_seconds);O(xfrm_lifetime_cfg,soft_use_expires_seconds);O(xfrm_lifetime_cfg,hard_use_expires_seconds);
S(xfrm_lifetime_cur); O(xfrm_lifetime_cur,bytes);O(xfrm_lifetime_cur,packets);O(xfrm_lifetime_cur,add_time);O(xfrm_lifetime_cur,use_time);
S(xfrm_stats); O(xfrm_stats,replay_window);O(xfrm_stats,replay);O(xfrm_stats,integrity_failed);
S(xfrm_usersa_info); O(xfrm_usersa_info,sel);O(xfrm_usersa_info,id);O(xfrm_usersa_info,saddr);O(xfrm_usersa_info,lft);O(xfrm_usersa_info,curlft);O(xfrm_usersa_info,stats);O(xfrm_usersa_info,seq);O(xfrm_usersa_info,reqid);O(xfrm_usersa_info,family);O(xfrm_usersa_info,mode);O(xfrm_usersa_info,replay_window);O(xfrm_usersa_info,flags);
S(xfrm_usersa_id); O(xfrm_usersa_id,daddr);O(xfrm_usersa_id,spi);O(xfrm_usersa_id,family);O(xfrm_usersa_id,proto);
S(xfrm_userpolicy_info); O(xfrm_userpolicy_info,sel);O(xfrm_userpolicy_info,lft);O(xfrm_userpolicy_info,curlft);O(xfrm_userpolicy_info,priority);O(xfrm_userpolicy_info,index);O(xfrm_userpolicy_info,dir);O(xfrm_userpolicy_info,action);O(xfrm_userpolicy_info,flags);O(xfrm_userpolicy_info,share);
S(xfrm_userpolicy_id); O(xfrm_userpolicy_id,sel);O(xfrm_userpolicy_id,index);O(xfrm_userpolicy_id,dir);
S(xfrm_user_tmpl); O(xfrm_user_tmpl,id);O(xfrm_user_tmpl,family);O(xfrm_user_tmpl,saddr);O(xfrm_user_tmpl,reqid);O(xfrm_user_tmpl,mode);O(xfrm_user_tmpl,share);O(xfrm_user_tmpl,optional);O(xfrm_user_tmpl,aalgos);O(xfrm_user_tmpl,ealgos);O(xfrm_user_tmpl,calgos);
S(xfrm_user_expire); O(xfrm_user_expire,state);O(xfrm_user_expire,hard);
S(xfrm_user_acquire); O(xfrm_user_acquire,id);O(xfrm_user_acquire,saddr);O(xfrm_user_acquire,sel);O(xfrm_user_acquire,policy);O(xfrm_user_acquire,aalgos);O(xfrm_user_acquire,ealgos);O(xfrm_user_acquire,calgos);O(xfrm_user_acquire,seq);
S(xfrm_userspi_info); O(xfrm_userspi_info,info);O(xfrm_userspi_info,min);O(xfrm_userspi_info,max);
S(xfrm_mark); O(xfrm_mark,v);O(xfrm_mark,m);
S(xfrm_encap_tmpl); O(xfrm_encap_tmpl,encap_type);O(xfrm_encap_tmpl,encap_sport);O(xfrm_encap_tmpl,encap_dport);O(xfrm_encap_tmpl,encap_oa);
S(xfrm_algo); O(xfrm_algo,alg_name);O(xfrm_algo,alg_key_len);O(xfrm_algo,alg_key);
S(xfrm_algo_auth); O(xfrm_algo_auth,alg_name);O(xfrm_algo_auth,alg_key_len);O(xfrm_algo_auth,alg_trunc_len);O(xfrm_algo_auth,alg_key);
S(xfrm_algo_aead); O(xfrm_algo_aead,alg_name);O(xfrm_algo_aead,alg_key_len);O(xfrm_algo_aead,alg_icv_len);O(xfrm_algo_aead,alg_key);
S(rtmsg); O(rtmsg,rtm_family);O(rtmsg,rtm_dst_len);O(rtmsg,rtm_src_len);O(rtmsg,rtm_tos);O(rtmsg,rtm_table);O(rtmsg,rtm_protocol);O(rtmsg,rtm_scope);O(rtmsg,rtm_type);O(rtmsg,rtm_flags);
S(rtattr);
printf("XFRMA_ALG_AUTH %d ALG_CRYPT %d ENCAP %d TMPL %d SA %d POLICY %d SEC_CTX %d LTIME_VAL %d REPLAY_VAL %d REPLAY_THRESH %d ETIMER_THRESH %d SRCADDR %d COADDR %d LASTUSED %d POLICY_TYPE %d MIGRATE %d ALG_AEAD %d KMADDRESS %d ALG_AUTH_TRUNC %d MARK %d TFCPAD %d REPLAY_ESN_VAL %d SA_EXTRA_FLAGS %d PROTO %d ADDRESS_FILTER %d PAD %d OFFLOAD_DEV %d SET_MARK %d SET_MARK_MASK %d IF_ID %d MTIMER_THRESH %d\n",
XFRMA_ALG_AUTH,XFRMA_ALG_CRYPT,XFRMA_ENCAP,XFRMA_TMPL,XFRMA_SA,XFRMA_POLICY,XFRMA_SEC_CTX,XFRMA_LTIME_VAL,XFRMA_REPLAY_VAL,XFRMA_REPLAY_THRESH,XFRMA_ETIMER_THRESH,XFRMA_SRCADDR,XFRMA_COADDR,XFRMA_LASTUSED,XFRMA_POLICY_TYPE,XFRMA_MIGRATE,XFRMA_ALG_AEAD,XFRMA_KMADDRESS,XFRMA_ALG_AUTH_TRUNC,XFRMA_MARK,XFRMA_TFCPAD,XFRMA_REPLAY_ESN_VAL,XFRMA_SA_EXTRA_FLAGS,XFRMA_PROTO,XFRMA_ADDRESS_FILTER,XFRMA_PAD,XFRMA_OFFLOAD_DEV,XFRMA_SET_MARK,XFRMA_SET_MARK_MASK,XFRMA_IF_ID,XFRMA_MTIMER_THRESH);
#ifdef XFRMA_SA_DIR
printf("XFRMA_SA_DIR %d\n", XFRMA_SA_DIR);
#endif
printf("NEWSA %d DELSA %d GETSA %d NEWPOLICY %d DELPOLICY %d GETPOLICY %d ALLOCSPI %d ACQUIRE %d EXPIRE %d UPDPOLICY %d UPDSA %d POLEXPIRE %d FLUSHSA %d\n",XFRM_MSG_NEWSA,XFRM_MSG_DELSA,XFRM_MSG_GETSA,XFRM_MSG_NEWPOLICY,XFRM_MSG_DELPOLICY,XFRM_MSG_GETPOLICY,XFRM_MSG_ALLOCSPI,XFRM_MSG_ACQUIRE,XFRM_MSG_EXPIRE,XFRM_MSG_UPDPOLICY,XFRM_MSG_UPDSA,XFRM_MSG_POLEXPIRE,XFRM_MSG_FLUSHSA);
printf("XFRMNLGRP_ACQUIRE %d EXPIRE %d SA %d POLICY %d\n", XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_SA, XFRMNLGRP_POLICY);
printf("RTM_NEWROUTE %d DELROUTE %d GETROUTE %d RTA_DST %d RTA_GATEWAY %d RTA_OIF %d RTA_TABLE %d RTA_PRIORITY %d RTNLGRP_IPV4_ROUTE %d RTNLGRP_IPV6_ROUTE %d RT_TABLE_MAIN %d\n",RTM_NEWROUTE,RTM_DELROUTE,RTM_GETROUTE,RTA_DST,RTA_GATEWAY,RTA_OIF,RTA_TABLE,RTA_PRIORITY,RTNLGRP_IPV4_ROUTE,RTNLGRP_IPV6_ROUTE,RT_TABLE_MAIN);
printf("NLM_F_REQUEST %d MULTI %d ACK %d ROOT %d MATCH %d DUMP %d EXCL %d CREATE %d CAPPED %d ACK_TLVS %d NLMSG_ERROR %d DONE %d NOOP %d OVERRUN %d\n",NLM_F_REQUEST,NLM_F_MULTI,NLM_F_ACK,NLM_F_ROOT,NLM_F_MATCH,NLM_F_DUMP,NLM_F_EXCL,NLM_F_CREATE,NLM_F_CAPPED,NLM_F_ACK_TLVS,NLMSG_ERROR,NLMSG_DONE,NLMSG_NOOP,NLMSG_OVERRUN);
printf("XFRM_POLICY_ALLOW %d BLOCK %d XFRM_SHARE_ANY %d XFRM_STATE_NOECN %d AF_INET %d AF_INET6 %d IPPROTO_ESP %d NETLINK_EXT_ACK %d SOL_NETLINK %d NETLINK_CAP_ACK %d\n", XFRM_POLICY_ALLOW, XFRM_POLICY_BLOCK, XFRM_SHARE_ANY, XFRM_STATE_NOECN, 2, 10, 50, NETLINK_EXT_ACK, 270, NETLINK_CAP_ACK);
return 0;}
